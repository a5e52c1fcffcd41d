"""The funnel is read from tallies the writes keep, and a rebuild from the rows equals them (real demo server).

Flags raised (a rebuild of the rules after an objection went unanswered), looked at (an inspector opens a flag, twice, and a
second inspector), followed up (two follow-ups from one flag) and found (one concluded referred): each stage
counts each flag once; ``flask followups-funnel-rebuild`` then finds nothing to correct. A review written
behind the services' back (bulk data) is in no tally until the rebuild counts it.
"""
import re
import sqlite3

from tests.conftest import http_login
from tests.followups.conftest import days

TOTALS = re.compile(r'<p class="lead">[^：]*：发现 (\d+) → 已查看 (\d+) → 已督办 (\d+) → 查实问题 (\d+)</p>')


def _totals(session, url):
    page = session.get(f"{url}/inspect/funnel", params={"lang": "zh"}, timeout=60)
    assert page.status_code == 200
    return tuple(int(n) for n in TOTALS.search(page.text).groups())


def _query(site, statement, *args):
    with sqlite3.connect(next(site.server.instance.glob("*.db")), timeout=30) as conn:
        return conn.execute(statement, args).fetchone()


def _rebuild(site):
    result = site.server.cli("followups-funnel-rebuild")
    assert result.returncode == 0, result.stderr
    return int(re.search(r"(\d+) counts differed", result.stdout).group(1))


def test_the_funnel_follows_the_writes_and_a_rebuild_equals_it(site):
    county = http_login(site.url, "inspector_county")
    assert _rebuild(site) == 0  # the demo's own writes kept it
    raised, looked, followed, found = _totals(county, site.url)
    assert raised > 0

    # a flag raised: an objection shown a month ago and never answered, found by a rebuild of the rules
    pub = site.publication()
    site.sql("INSERT INTO objection (publication_id, author_id, text, text_masked, created_at, status, "
             "moderation_note, answer) SELECT ?, id, '公示的金额不对。', '公示的金额不对。', "
             "datetime('now', '-30 days'), 'shown', '', '' FROM user WHERE username = 'resident_houxi'", pub)
    assert site.server.cli("redflags", "rebuild").returncode == 0
    more = _totals(county, site.url)
    assert more[0] > raised and more[1:] == (looked, followed, found)
    raised = more[0]

    township = http_login(site.url, "inspector_100")
    inbox = township.get(f"{site.url}/inspect/flags", params={"code": "publications.duty_overdue"}, timeout=60).text
    flag_id = int(re.findall(r'href="/inspect/flags/(\d+)"', inbox)[0])
    village = _query(site, "SELECT village_code FROM red_flag WHERE id = ?", flag_id)[0]
    for session in (township, township, county):  # looked at by two inspectors, once twice: one flag looked at
        assert session.get(f"{site.url}/inspect/flags/{flag_id}", timeout=60).status_code == 200
    assert _totals(county, site.url) == (raised, looked + 1, followed, found)

    ids = []
    for _ in range(2):  # two follow-ups from the flag: one flag followed up
        r = site.open(obj={"type": "village_duties", "id": int(village)}, assignee=f"clerk@{village}",
                      visibility="internal", flag=flag_id)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    assert _totals(county, site.url) == (raised, looked + 1, followed + 1, found)
    assert site.post(f"/api/v1/followups/{ids[0]}/conclude", "inspector_100",
                     json={"finding": "no_problem", "conclusion": "已核实。"}).status_code == 200
    assert _totals(county, site.url) == (raised, looked + 1, followed + 1, found)  # no problem is no finding
    assert site.post(f"/api/v1/followups/{ids[1]}/conclude", "inspector_100",
                     json={"finding": "referred", "conclusion": "移送纪律审查。"}).status_code == 200
    kept = _totals(county, site.url)
    assert kept == (raised, looked + 1, followed + 1, found + 1)

    assert _rebuild(site) == 0 and _totals(county, site.url) == kept  # the rows say what the tally says

    # a review written in bulk, behind the services' back: in no tally until the rebuild counts it
    other = _query(site, "SELECT id FROM red_flag WHERE id NOT IN (SELECT flag_id FROM flag_review) "
                   "ORDER BY id LIMIT 1")[0]
    site.sql("INSERT INTO flag_review (flag_id, kind, reason, user_id, at) "
             "SELECT ?, 'seen', '', id, datetime('now') FROM user WHERE username = 'inspector_county'", other)
    assert _totals(county, site.url) == kept
    assert _rebuild(site) == 1
    assert _totals(county, site.url) == (raised, looked + 2, followed + 1, found + 1)
