"""Time limits and escalation: overdue is computed from due_at when read; the sweep turns an overdue
appeal into an audited system step up the tree (吹哨), once per deadline, until the county."""
import datetime

import pytest

from portal.appeals import limits, services, stats
from portal.appeals.models import Appeal
from portal.accounts.models import User
from portal.core.clock import CST, utcnow
from portal.units.models import Unit
from tests.conftest import make_app

VILLAGE, GRID = "350528100200", "350528100201"


@pytest.fixture
def county(tmp_path):
    from portal.core.db import database
    from portal.demo import load_demo
    make_app(tmp_path, APPEAL_LIMIT_HOURS={"general": 1}, APPEAL_SWEEP_SECONDS=0)
    database.connect(reuse_if_open=True)
    load_demo()
    yield {u.username: u for u in User.select()}
    database.close()


def accepted_appeal(people):
    row, _receipt, _ = services.file_appeal(VILLAGE, "roads", "村道中段有个大坑，下雨积水。", grid_code=GRID)
    services.act(people["handler_houxi"], row.id, "accept")
    services.act(people["handler_houxi"], row.id, "dispatch", {"to": GRID})
    return Appeal.get_by_id(row.id)


def entries_of(appeal_id):
    import json

    from audit.models import AuditEntry
    return [(e.action, json.loads(bytes(e.entry)).get("actor")) for e in AuditEntry.select().where(
        (AuditEntry.object_type == "appeal") & (AuditEntry.object_id == str(appeal_id))).order_by(AuditEntry.idx)]


def test_an_overdue_appeal_is_overdue_when_read_and_escalates_on_sweep(county):
    village = Unit.get_by_id(VILLAGE)
    later = utcnow() + datetime.timedelta(hours=2)
    overdue_then = stats.compute(village, now=later)["overdue"]  # the demo's own appeals, two hours on
    row = accepted_appeal(county)
    assert row.due_at - row.accepted_at == datetime.timedelta(hours=1)  # the configured limit
    assert not services.is_overdue(row) and services.is_overdue(row, later)
    assert stats.compute(village, now=later)["overdue"] == overdue_then + 1

    assert services.sweep(later) >= 1
    row = Appeal.get_by_id(row.id)
    assert row.state == "escalated" and row.holder_id == VILLAGE and row.escalations == 1
    assert row.due_at > later  # a new deadline at the upper level
    assert entries_of(row.id)[-1] == ("appeal.escalate", "系统")
    assert services.timeline(row)[-1]["note"].startswith("超过办理时限")

    before = len(entries_of(row.id))
    services.sweep(later)  # the same moment again: nothing more to do
    assert len(entries_of(row.id)) == before
    much_later = later + datetime.timedelta(hours=limits.DEFAULT_ESCALATION_HOURS + 1)
    services.sweep(much_later)
    assert Appeal.get_by_id(row.id).holder_id == "350528100000"  # the township
    services.sweep(much_later + datetime.timedelta(hours=limits.DEFAULT_ESCALATION_HOURS + 1))
    top = Appeal.get_by_id(row.id)
    assert top.holder.level == "county"
    services.sweep(much_later + datetime.timedelta(days=30))
    assert Appeal.get_by_id(row.id).escalations == top.escalations == 3  # nowhere further up


def test_the_clock_stands_still_while_waiting_for_the_filer(county):
    row = accepted_appeal(county)
    services.act(county["grid_houxi"], row.id, "start")
    with services.clock_at(utcnow() - datetime.timedelta(hours=5)):
        services.act(county["grid_houxi"], row.id, "wait", {"note": "请补充具体位置。"})
    waiting = Appeal.get_by_id(row.id)
    assert not services.is_overdue(waiting, utcnow() + datetime.timedelta(hours=3))
    assert services.sweep(utcnow() + datetime.timedelta(hours=3)) >= 0 and Appeal.get_by_id(row.id).state == "waiting"
    services.act(county["grid_houxi"], row.id, "resume")
    resumed = Appeal.get_by_id(row.id)
    assert resumed.due_at - waiting.due_at >= datetime.timedelta(hours=5)  # the paused hours are given back


def test_intake_counts_working_hours_only():
    friday_5pm = datetime.datetime(2026, 12, 4, 17, 0, tzinfo=CST).astimezone(datetime.timezone.utc).replace(tzinfo=None)
    due = limits.add_working_hours(friday_5pm, 2)
    assert due.replace(tzinfo=datetime.timezone.utc).astimezone(CST) == datetime.datetime(2026, 12, 7, 9, 0, tzinfo=CST)
    noon = datetime.datetime(2026, 12, 2, 11, 30, tzinfo=CST).astimezone(datetime.timezone.utc).replace(tzinfo=None)
    assert limits.add_working_hours(noon, 1).replace(tzinfo=datetime.timezone.utc).astimezone(CST).hour == 14


def test_the_sweep_escalates_in_batches_each_step_audited_and_verifiable(county, tmp_path):
    """A sweep over many overdue appeals writes them a batch to a transaction (set-based updates,
    one multi-row audit append), not a transaction per appeal, and leaves what step-by-step
    escalation would: state, holder, deadline, timeline line, an audit entry that verifies."""
    import peewee

    from tests.deploy.helpers import audit_verify
    rows = [accepted_appeal(county) for _ in range(12)]
    later = utcnow() + datetime.timedelta(hours=2)
    appends = []  # each audit append takes the log's head lock once
    real = peewee.SqliteDatabase.execute_sql

    def counting(self, sql, params=None, *args, **kwargs):
        if sql.startswith("UPDATE audit_head SET size = size"):
            appends.append(sql)
        return real(self, sql, params, *args, **kwargs)
    peewee.SqliteDatabase.execute_sql = counting
    try:
        moved = services.sweep(later, batch=5)
    finally:
        peewee.SqliteDatabase.execute_sql = real
    assert moved >= 12  # ours and the demo's own overdue appeals
    assert len(appends) == -(-moved // 5)  # one append per batch (before: one per appeal)
    for row in rows:
        row = Appeal.get_by_id(row.id)
        assert row.state == "escalated" and row.holder_id == VILLAGE and row.escalations == 1
        assert row.due_at == later + datetime.timedelta(hours=limits.DEFAULT_ESCALATION_HOURS)
        assert entries_of(row.id)[-1] == ("appeal.escalate", "系统")
        line = services.timeline(row)[-1]
        assert line["action"] == "escalate" and line["audit_index"] == row.audit_index
        assert line["note"].startswith("超过办理时限") and line["unit"] == Unit.get_by_id(VILLAGE).name
    assert services.sweep(later, batch=5) == 0  # nothing left to move at that moment
    # the red flags followed the batches (delivered together, checked at once): equal to a full rebuild
    from portal.redflags import services as redflags
    from portal.redflags.models import RedFlag

    def open_flags():
        return {(f.code, f.object_id, f.evidence) for f in RedFlag.select().where(RedFlag.cleared_at.is_null())}
    followed = open_flags()
    redflags.rebuild()
    assert open_flags() == followed
    code, out = audit_verify(f"sqlite:///{tmp_path / 'instance' / 'portal.db'}")
    assert code == 0, out


@pytest.fixture
def synced(tmp_path):
    """The demo county with figures and search kept inline (the after-commit work done by the time a step returns)."""
    from portal.core.db import database
    from tests.conftest import demo_into
    app = make_app(tmp_path, APPEAL_LIMIT_HOURS={"general": 1}, APPEAL_SWEEP_SECONDS=0, DASHBOARD_SYNC=True,
                   SEARCH_SYNC=True)
    demo_into(app)
    database.connect(reuse_if_open=True)
    yield app, {u.username: u for u in User.select()}
    database.close()


def overdue_appeals(people, n, hours_ago=3):
    """``n`` appeals of 后溪村 accepted and dispatched ``hours_ago`` (past their 1 h limit now): some
    started, one replied and reopened (so it has hours to first reply in the tallies)."""
    out = []
    with services.clock_at(utcnow() - datetime.timedelta(hours=hours_ago)):
        for i in range(n):
            row = accepted_appeal(people)
            if i % 3 == 1:
                services.act(people["grid_houxi"], row.id, "start")
            if i % 3 == 2:
                services.act(people["handler_houxi"], row.id, "reply", {"note": "已修复。", "outcome": "fixed"})
                services.act(people["handler_houxi"], row.id, "reopen", {"note": "群众反映仍未修好。"})
            out.append(Appeal.get_by_id(row.id))
    return out


def test_the_sweep_leaves_the_tallies_a_rebuild_gives(synced):
    """The sweep moves no counter (a handling state to "escalated"; the times the tallies read stay): the
    tallies after a sweep of a big batch are those before it, and those a rebuild from the rows gives."""
    from portal.appeals import tally
    from portal.appeals.models import AppealHours, AppealTally
    _app, people = synced
    rows = overdue_appeals(people, 9)
    assert {r.state for r in rows} == {"dispatched", "in_progress", "reopened"}

    def tallies():  # every row but its id (a rebuild numbers them anew)
        return [sorted((row[1:] for row in model.select().tuples()), key=str) for model in (AppealTally, AppealHours)]
    before = tallies()
    assert services.sweep(utcnow()) >= 9
    assert all(Appeal.get_by_id(r.id).state == "escalated" for r in rows)
    assert tallies() == before
    tally.rebuild()
    assert tallies() == before


def test_the_dashboard_figures_follow_a_big_sweep_batch_and_equal_a_rebuild(synced):
    """One batch of many escalations is one event batch after commit: the figures it moves (overdue) are
    recomputed from it and equal what a rebuild of every figure gives."""
    import json

    from portal.dashboard import precompute
    from portal.dashboard.models import UnitFigure
    app, people = synced
    overdue_appeals(people, 12)
    precompute.rebuild(app)

    def figures():
        return {(f.unit, f.key): (json.loads(f.value) if f.value else None, f.ok)
                for f in UnitFigure.select().where(UnitFigure.key.startswith("appeals."))}
    overdue_before = figures()[(VILLAGE, "appeals.overdue")][0]
    assert overdue_before >= 12
    assert services.sweep(utcnow(), batch=100) >= 12
    followed = figures()
    assert followed[(VILLAGE, "appeals.overdue")][0] <= overdue_before - 12  # escalated: a new deadline
    precompute.rebuild(app)
    assert figures() == followed


def test_the_sweep_pauses_the_cyclic_collector_and_restores_it(county, monkeypatch):
    """The collector is off while the sweep runs (its batches make no cycles) and as it was afterwards,
    also when a batch fails."""
    import gc
    seen = []
    real = services._escalate_overdue

    def watching(ids, at):
        seen.append(gc.isenabled())
        return real(ids, at)
    monkeypatch.setattr(services, "_escalate_overdue", watching)
    accepted_appeal(county)
    later = utcnow() + datetime.timedelta(hours=2)
    assert gc.isenabled()
    assert services.sweep(later) >= 1
    assert seen and not any(seen) and gc.isenabled()

    gc.disable()
    try:
        accepted_appeal(county)
        services.sweep(later + datetime.timedelta(hours=limits.DEFAULT_ESCALATION_HOURS + 1))
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()

    def failing(ids, at):
        raise RuntimeError("batch failed")
    monkeypatch.setattr(services, "_escalate_overdue", failing)
    accepted_appeal(county)
    with pytest.raises(RuntimeError):
        services.sweep(later + datetime.timedelta(days=30))
    assert gc.isenabled()


def test_an_instance_indexed_on_the_holder_alone_upgrades_to_state_and_holder(tmp_path):
    """Migration 15: the index on appeal.holder_code alone (rewritten all over by every escalation) gives
    way to (state, holder_code); a fresh database has only the latter."""
    from portal.core.db import database
    from portal.core.migrations import SchemaMigration

    def indexes():
        return {name for (name,) in database.execute_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'appeal'").fetchall()}
    make_app(tmp_path)
    with database.connection_context():
        assert "appeal_state_holder_code" in indexes() and "appeal_holder_code" not in indexes()
        # as an instance stood before the step
        database.execute_sql('DROP INDEX "appeal_state_holder_code"')
        database.execute_sql('CREATE INDEX "appeal_holder_code" ON "appeal" ("holder_code")')
        SchemaMigration.delete().where(SchemaMigration.version == 15).execute()
    make_app(tmp_path)
    with database.connection_context():
        assert "appeal_state_holder_code" in indexes() and "appeal_holder_code" not in indexes()
        assert SchemaMigration.get_by_id(15).name == "appeal_holder_index_by_state"
