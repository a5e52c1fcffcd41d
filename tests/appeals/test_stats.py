"""The precomputed tallies give exactly what a scan of the rows gives, for every unit of the demo
county, after a year of steps; and a rebuild from the rows changes nothing."""
import datetime

from portal.appeals import stats, tally
from portal.core.clock import today
from portal.units.models import Unit


def test_tallies_match_the_rows_for_every_unit(demo):
    units = list(Unit.select().where(Unit.level != "grid"))
    month = today().replace(day=1)
    ranges = [(None, None), (today() - datetime.timedelta(days=200), today() - datetime.timedelta(days=30)),
              (today() - datetime.timedelta(days=300), None), (None, month - datetime.timedelta(days=1)),
              (month, today()), (month - datetime.timedelta(days=90), month - datetime.timedelta(days=60))]
    running = {(u.code, r): stats.compute(u, *r) for u in units for r in ranges}
    for (code, r), figures in running.items():
        assert figures == stats.scan(Unit.get_by_id(code), *r), code
    county = running[("350528000000", (None, None))]
    assert county["received"] > 50 and county["rated"] > 10 and county["closed_unfixed"] > 0
    tally.rebuild()
    for (code, r), figures in running.items():
        assert stats.compute(Unit.get_by_id(code), *r) == figures


def test_red_flags_come_from_the_rows(demo):
    from portal.appeals import flags
    long_overdue, reopened = flags.RULES
    raised = list(long_overdue.scan())
    from portal.core.clock import utcnow
    late = utcnow() - datetime.timedelta(hours=72)
    assert raised
    assert all(datetime.datetime.fromisoformat(f.evidence["due_at"]).astimezone(datetime.timezone.utc)
               .replace(tzinfo=None) < late for f in raised)  # the demo's 40-day-old appeals
    for flag in raised:
        assert long_overdue.check("appeal", flag.object_id)[0].evidence == flag.evidence
    assert all(f.evidence["reopen_count"] >= 2 for f in reopened.scan())


def test_audit_verify_catches_an_edited_appeal(demo, tmp_path):
    import subprocess
    import sys

    from portal.appeals.models import Appeal
    url = f"sqlite:///{tmp_path / 'instance' / 'portal.db'}"
    verify = [sys.executable, "-m", "audit", "verify", "--db", url, "--quiet"]
    ok = subprocess.run(verify, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "OK" in ok.stdout, ok.stdout + ok.stderr
    fixed = Appeal.select().where(Appeal.state == "fixed").order_by(Appeal.id.desc()).first()
    Appeal.update(reply="答复被改过").where(Appeal.id == fixed.id).execute()
    bad = subprocess.run(verify, capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and f"appeal {fixed.id}" in bad.stdout + bad.stderr


def test_one_handlers_figures_for_staff_only(demo, client):
    """Statistics per handler (the issue's "per grid, village, township, county and handler"): the
    appeals a handler replied to, through the API, for a staff token only; equal to a row scan."""
    from portal.accounts.models import User
    from portal.accounts.services import create_token
    from portal.appeals.models import Appeal
    handler = User.get_by_id(Appeal.select(Appeal.replied_by).where(Appeal.replied_by.is_null(False))
                             .order_by(Appeal.id).scalar())
    county = Unit.get(Unit.level == "county")
    url = f"/api/v1/appeals/stats?unit={county.code}&handler={handler.username}"
    assert client.get(url).status_code == 403  # no token: nobody's figures
    resident = User.get(User.role == "resident")
    refused = client.get(url, headers={"Authorization": f"Bearer {create_token(resident)}"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_allowed"
    staff = {"Authorization": f"Bearer {create_token(User.get(User.username == 'inspector_county'))}"}
    figures = client.get(url, headers=staff).get_json()
    assert figures["handler"] == handler.username and figures["received"] > 0
    expected = stats.scan(county, handler=handler)
    assert {k: figures[k] for k in expected if k not in ("from", "to")} == \
        {k: v for k, v in expected.items() if k not in ("from", "to")}
    assert figures["received"] < stats.compute(county)["received"]  # his, not the county's
    unknown = client.get(f"/api/v1/appeals/stats?unit={county.code}&handler=nobody", headers=staff)
    assert unknown.status_code == 400 and unknown.get_json()["error"]["code"] == "bad_handler"
