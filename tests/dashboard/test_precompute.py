"""Figures precomputed after commit: a change moves only its village and the units above it, the
rebuild from the database equals the incremental rows, a failing figure never breaks the page."""
import datetime

from portal.core.clock import today
from portal.core.domain import Domain, Figure
from portal.dashboard import precompute
from portal.dashboard.models import UnitFigure
from portal.publications import objections, services
from tests.conftest import make_app

HOUXI, NANLING, COUNTY, SHICHENG, DONGHU = "350528100200", "350528100000", "350528000000", "350528100210", "350528001200"


def values():
    return {(r.unit, r.key): (r.value, r.ok) for r in UnitFigure.select()}


def value(unit, key):
    return UnitFigure.get((UnitFigure.unit == unit) & (UnitFigure.key == key)).data


def stamps():
    return {(r.unit, r.key): r.started_at for r in UnitFigure.select()}


def publish(people, title="后溪村2026年度村道维修结果公示", **extra):
    start = today()
    data = {"title": title, "category": "result", "body": "维修结果如下，联系电话13905951201。",
            "period_start": start.isoformat(), "period_end": (start + datetime.timedelta(days=5)).isoformat()}
    data.update(extra)
    pub = services.create_draft(people.clerk, people.village, data)
    services.approve(people.supervisor, pub)
    return services.publish(people.clerk, pub)


def test_demo_county_has_every_figure_of_every_unit(ddb, dash_app):
    from portal.units.models import Unit
    units = Unit.select().where(Unit.level.in_(("county", "township", "village"))).count()
    figures = dash_app.extensions["portal"].figures
    assert len(figures) >= 8
    assert UnitFigure.select().count() == units * len(figures)
    assert UnitFigure.select().where(~UnitFigure.ok).count() == 0


def test_publishing_moves_the_village_and_its_ancestors_only(people, dash_app):
    before_values, before_stamps = values(), stamps()
    month = value(HOUXI, "publications.this_month")
    publish(people)
    after_values, after_stamps = values(), stamps()
    assert value(HOUXI, "publications.this_month") == month + 1
    for unit in (NANLING, COUNTY):
        assert value(unit, "publications.this_month") == int(before_values[(unit, "publications.this_month")][0]) + 1
    for unit in (HOUXI, NANLING, COUNTY):
        assert after_values[(unit, "publications.this_year")] != before_values[(unit, "publications.this_year")]
        assert after_stamps[(unit, "publications.this_year")] > before_stamps[(unit, "publications.this_year")]
    for unit in (SHICHENG, DONGHU, "350528001000"):  # another village, another township's: untouched
        for key in ("publications.this_year", "publications.duties_met"):
            assert after_stamps[(unit, key)] == before_stamps[(unit, key)]
    for key in ("meetings.held", "meetings.viewers"):  # figures not watching publications: untouched
        assert after_stamps[(HOUXI, key)] == before_stamps[(HOUXI, key)]


def test_objection_shown_then_answered_moves_unanswered(people):
    pub = publish(people)
    base = value(HOUXI, "publications.objections_unanswered")
    county = value(COUNTY, "publications.objections_unanswered")
    obj = objections.lodge(people.resident, pub, "路灯维修费用明细没有列出，请补充。")
    assert value(HOUXI, "publications.objections_unanswered") == base  # pending: not public yet
    objections.moderate(people.supervisor, obj, True)
    assert value(HOUXI, "publications.objections_unanswered") == base + 1
    assert value(COUNTY, "publications.objections_unanswered") == county + 1
    objections.answer(people.clerk, obj, "明细已补充公开，见附件。")
    assert value(HOUXI, "publications.objections_unanswered") == base
    assert value(COUNTY, "publications.objections_unanswered") == county


def test_rebuilt_figures_equal_the_incremental_ones(people, dash_app):
    pub = publish(people)
    obj = objections.lodge(people.resident, pub, "路灯维修费用明细没有列出，请补充。")
    objections.moderate(people.supervisor, obj, True)
    publish(people, title="后溪村2026年第三季度财务公开", category="finance")
    services.withdraw(people.clerk, pub, "公示内容有误，撤回后重新公示。")
    incremental = values()
    UnitFigure.delete().execute()
    stored = precompute.rebuild(dash_app)
    assert stored == len(incremental)
    assert values() == incremental


def test_rebuild_command(dash_app, people):
    UnitFigure.delete().execute()
    result = dash_app.test_cli_runner().invoke(args=["dashboard", "rebuild"])
    assert result.exit_code == 0, result.output
    assert UnitFigure.select().count() > 0 and "figure values recomputed" in result.output


def test_an_older_compute_never_overwrites_a_newer_one(people):
    row = UnitFigure.get((UnitFigure.unit == HOUXI) & (UnitFigure.key == "publications.this_year"))
    precompute.store(HOUXI, [("publications.this_year", 999, True)], row.started_at - datetime.timedelta(seconds=5),
                     today())
    assert value(HOUXI, "publications.this_year") == row.data
    precompute.store(HOUXI, [("publications.this_year", 999, True)], row.started_at + datetime.timedelta(seconds=5),
                     today())
    assert value(HOUXI, "publications.this_year") == 999


def _broken(village_ids, day):
    raise RuntimeError("the domain's query broke")


def _answer(village_ids, day):
    return len(village_ids) * 7


EXTRA = Domain(name="zz_testdomain", figures=[
    Figure("zz_testdomain.broken", "会出错的数字", ("publication",), lambda t, i: [HOUXI], _broken),
    Figure("zz_testdomain.villages7", "每村七件", ("publication",), lambda t, i: [HOUXI], _answer),
])


def test_a_failing_figure_is_shown_as_unavailable_and_the_rest_still_shows(tmp_path):
    from portal import create_app
    from portal.core.db import connection
    from tests.conftest import demo_into
    app = create_app({"TESTING": True, "INSTANCE_DIR": str(tmp_path / "instance"), "DASHBOARD_SYNC": True},
                     extra_domains=[EXTRA])
    with app.app_context(), connection():
        demo_into(app)
        precompute.rebuild(app)
        assert UnitFigure.get((UnitFigure.unit == NANLING) & (UnitFigure.key == "zz_testdomain.villages7")).data == 21
        assert not UnitFigure.get((UnitFigure.unit == NANLING) & (UnitFigure.key == "zz_testdomain.broken")).ok
    client = app.test_client()
    page = client.get(f"/dashboard/{NANLING}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="d-zz_testdomain"' in text and "每村七件" in text and ">21<" in text
    assert "暂时无法计算" in text and 'id="d-publications"' in text
    stats = client.get(f"/api/v1/stats/{NANLING}").get_json()
    by_key = {f["key"]: f for f in stats["figures"]}
    assert by_key["zz_testdomain.broken"]["ok"] is False and by_key["zz_testdomain.broken"]["value"] is None
    assert stats["values"]["zz_testdomain.villages7"] == 21
    assert {c["code"] for c in stats["children"]} == {HOUXI, SHICHENG, "350528100220"}


def test_batched_duty_counts_equal_each_villages_duty_status(people):
    """The township and county figures count duties in a few queries; they must say what each
    village's own duties page says."""
    from portal.publications import duties
    from portal.units.models import Unit
    publish(people, title="后溪村2026年财务收支公开", category="finance")
    for day in (today(), today() - datetime.timedelta(days=40), today() + datetime.timedelta(days=75)):
        villages = list(Unit.select().where(Unit.level == "village"))
        expected = {"met": 0, "due": 0, "overdue": 0}
        for village in villages:
            for state, n in duties.summary(duties.duty_status(village, day)).items():
                expected[state] += n
        assert duties.duty_counts(villages, day) == expected
        assert sum(expected.values()) == len(villages) * duties.DutyRule.select().where(duties.DutyRule.active).count()


def test_a_red_flag_raised_then_cleared_moves_the_open_flags_figure(people):
    from portal.core.domain import Flag
    from portal.publications.models import Publication
    from portal.redflags.services import apply
    pub = Publication.select().where((Publication.village == HOUXI) & (Publication.status == "published")).first()
    before = {unit: value(unit, "redflags.open") for unit in (HOUXI, NANLING, COUNTY, SHICHENG)}
    apply("test.figure", [Flag("publication", pub.id, HOUXI, {"天数": 3})])
    for unit in (HOUXI, NANLING, COUNTY):
        assert value(unit, "redflags.open") == before[unit] + 1
    assert value(SHICHENG, "redflags.open") == before[SHICHENG]
    apply("test.figure", [Flag("publication", pub.id, HOUXI, None)])
    assert {unit: value(unit, "redflags.open") for unit in before} == before


def test_every_figure_computes_on_postgresql(tmp_path, pg_url):
    """PostgreSQL's SUM gives Decimals where SQLite gives ints: every figure of the demo computes."""
    from portal.core.db import connection
    from tests.conftest import load_demo_for
    from tests.dashboard.conftest import SYNC
    app = make_app(tmp_path, pg_url, **SYNC)
    with connection():
        load_demo_for(app)
        precompute.rebuild(app)
        failed = [(r.unit, r.key) for r in UnitFigure.select().where(~UnitFigure.ok)]
        assert UnitFigure.select().count() > 0 and failed == []


def test_ledger_warnings_count_the_stored_flags_without_rescanning_the_county(ddb, dash_app, monkeypatch):
    """The figure reads the red-flag table (kept current after commit), one count per unit: a rebuild
    of 30 units must not run every ledger rule's county-wide scan 30 times. Same number as a scan."""
    from portal.core.clock import today
    from portal.ledger import warnings
    from portal.ledger.figures import FIGURES
    figure = next(f for f in FIGURES if f.key == "ledger.warnings")
    village_ids = [HOUXI, SHICHENG, DONGHU]
    scanned = sum(1 for rule in warnings.RULES for flag in rule.scan() if flag.village_id in village_ids)
    assert scanned > 0  # the demo raises ledger warnings in these villages

    def no_scan():
        raise AssertionError("a county-wide scan per unit")
    for rule in warnings.RULES:
        monkeypatch.setattr(rule, "scan", no_scan)
    assert figure.compute(village_ids, today()) == scanned


def test_open_red_flags_link_to_the_public_list_of_the_same_flags(ddb, dash_app):
    """Every unit's redflags.open figure links to the public list of its flags, which holds as many."""
    from portal.dashboard import queries
    from portal.units.models import Unit
    client = dash_app.test_client()
    for code in (HOUXI, NANLING, COUNTY):
        unit = Unit.get_by_id(code)
        with dash_app.test_request_context():
            figure = next(f for _d, fs in queries.declared() for f in fs if f.key == "redflags.open")
            url = queries.link_of(figure, unit)
        assert url == f"/redflags/{code}", (code, url)
        listing = client.get(url)
        assert listing.status_code == 200
        assert f'data-total="{value(code, "redflags.open")}"' in listing.get_data(as_text=True), code
        scope = {} if unit.level == "county" else {unit.level: code}
        assert client.get("/api/v1/redflags", query_string=scope).get_json()["total"] == value(code, "redflags.open")
    assert value(COUNTY, "redflags.open") > value(HOUXI, "redflags.open") > 0
