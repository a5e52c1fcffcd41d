"""Appeals' declaration (see portal.core.domain), and the overdue sweep.

Overdue is computed from ``due_at`` wherever it is read (pages, API, statistics), so it is right
even if no job ever ran. The escalation itself (吹哨 up the tree) changes who holds the appeal,
so it must be an audited step, not a read-time illusion: a background thread runs
``services.sweep`` every ``APPEAL_SWEEP_SECONDS`` (default 300; 0 turns it off) and
``flask --app portal appeals-sweep`` runs it once (cron, or a second process). Each step
re-checks the deadline under the write lock, so concurrent sweeps escalate an appeal once.
"""
import os

import click
from flask import url_for
from flask.cli import with_appcontext
from flask_babel import gettext as _

from portal.appeals import api, demo, flags, open311, openapi_paths, services, stats, views, workspace
from portal.appeals.models import MODELS, Appeal
from portal.core import background
from portal.core.clock import iso, local_text, parse_datetime
from portal.core.db import connection, driver_rows, id_list, villages_in
from portal.core.domain import Domain, ExportTable, Figure, Remasker, Section
from portal.core.i18n import N_
from portal.home import workspace as home_workspace
from portal.units.models import Unit


def _village_section(village):
    rows = (Appeal.select().where(Appeal.village == village.code).order_by(Appeal.id.desc()).limit(4))
    out = [{"title": "＋ " + _("我要反映"), "url": url_for("appeals.new", code=village.code),
            "meta": _("随手拍，问题直达网格员")}]
    for row in rows:
        out.append({"title": f"【{_(services.STATES[row.state])}】{services.mask(row.text)[:30]}",
                    "url": url_for("appeals.detail", appeal_id=row.id),
                    "meta": f"{_(services.category_name(row.category))} · {local_text(row.created_at)}"})
    return out


def _rederive(entry):
    row = Appeal.get_or_none(Appeal.id == int(entry.object_id))
    if row is None:
        raise LookupError(entry.object_id)
    return services.audit_payload(row) if row.audit_index == entry.index else None


def _villages_of(doc_type, object_id):
    row = Appeal.select(Appeal.village).where(Appeal.id == int(object_id)).first() \
        if str(object_id).isdigit() else None
    return [row.village_id] if row else []


def _villages_of_many(doc_type, object_ids):
    ids = sorted({int(i) for i in object_ids if str(i).isdigit()})
    out = set()
    for start in range(0, len(ids), 5000):
        query = Appeal.select(Appeal.village).where(Appeal.id.in_(id_list(ids[start:start + 5000]))).distinct()
        out.update(village for (village,) in query.tuples())
    return out


def _figure(key):
    def compute(village_ids, today):
        unit = Unit.get_or_none(Unit.code == village_ids[0]) if len(village_ids) == 1 else None
        figures = stats.compute(unit) if unit is not None and unit.level == "village" else _many(village_ids)
        return figures[key]
    return compute


def _many(village_ids):
    """Figures over several villages: their common ancestor's, restricted to them."""
    units = list(Unit.select().where(Unit.code.in_(list(village_ids))))
    parents = {u.parent_id for u in units}
    parent = Unit.get_or_none(Unit.code == parents.pop()) if len(parents) == 1 else Unit.get_or_none(
        Unit.level == "county")
    return stats.compute(parent)


FIGURES = [Figure(f"appeals.{key}", label, ["appeal"], _villages_of, _figure(key),
                  link=lambda unit: url_for("appeals.stats_page", code=unit.code), kind=kind,
                  villages_of_many=_villages_of_many)
           for key, label, kind in (("received", N_("收到诉求"), "count"), ("closure_rate", N_("办结率"), "rate"),
                                    ("satisfaction_rate", N_("满意率"), "rate"), ("overdue", N_("超期诉求"), "count"),
                                    ("median_hours_to_close", N_("办结用时中位数（小时）"), "hours"))]


def _export_rows(village_ids):
    """One query, rows of the public columns as the driver gives them (no model object, no field conversion
    per appeal: a county holds a million)."""
    query = (Appeal.select(Appeal.id, Appeal.village, Appeal.grid, Appeal.category, Appeal.state, Appeal.text,
                           Appeal.holder, Appeal.created_at, Appeal.due_at, Appeal.closed_at, Appeal.outcome,
                           Appeal.reply, Appeal.reopen_count, Appeal.escalations)
             .where(villages_in(Appeal.village, village_ids)).order_by(Appeal.id))
    for (aid, village, grid, category, state, text, holder, created_at, due_at, closed_at, outcome, reply,
         reopen_count, escalations) in driver_rows(query):
        yield {"id": aid, "village": village, "grid": grid or "", "category": category, "status": state,
               "text": services.mask(text), "holder": holder, "filed_at": iso(created_at), "due_at": iso(due_at),
               "closed_at": iso(closed_at), "outcome": outcome, "reply": services.mask(reply),
               "reopen_count": reopen_count, "escalations": escalations}


EXPORT = ExportTable("appeals", "群众诉求", [
    ("id", "诉求编号"), ("village", "村（社区）代码"), ("grid", "网格代码（可空）"), ("category", "类别代码"),
    ("status", "状态：submitted 待受理 … fixed 已解决、closed_unfixed 已办结·未解决"), ("text", "诉求内容（已遮蔽个人信息）"),
    ("holder", "当前承办单位代码"), ("filed_at", "提交时间"), ("due_at", "当前阶段办理时限"),
    ("closed_at", "办结时间"), ("outcome", "答复结果：fixed 已解决 / unfixed 未能解决"),
    ("reply", "最新答复（已遮蔽）"), ("reopen_count", "重新办理次数"), ("escalations", "吹哨上报次数")], _export_rows)


@click.command("appeals-sweep")
@click.option("--at", "at", default=None, help="ISO time to sweep as of (default now)")
@with_appcontext
def sweep_command(at):
    """Escalate every appeal past its deadline one level up (audited system steps)."""
    with connection():
        moved = services.sweep(parse_datetime(at, "at", "时间") if at else None)
    click.echo(f"escalated {moved}")


def _start_sweeper(app):
    seconds = float(app.config.get("APPEAL_SWEEP_SECONDS", os.environ.get("PORTAL_APPEAL_SWEEP_SECONDS", 300)))
    background.every(app, "appeal-sweeper", seconds, services.sweep)


def setup(app):
    home_workspace.register(app, workspace.panels)
    app.cli.add_command(sweep_command)
    if background.serving(app):
        _start_sweeper(app)


def _drop_due_at_index(migrator, db):
    """Drop the index on ``appeal.due_at`` alone: no query needs it (each filters on the state too, and the
    (state, due_at) and (state, village, due_at, accepted_at) indexes answer it, EXPLAIN QUERY PLAN checked),
    while each escalation of the sweep rewrote an entry of it. ``appeal_state`` stays: the public list by
    status reads it in id order (without it, ``?status=fixed`` sorts 830,000 rows at 1M: 0.3 → 134 ms)."""
    db.execute_sql('DROP INDEX IF EXISTS "appeal_due_at"')
    return []


def _holder_index_by_state(migrator, db):
    """Replace the index on ``appeal.holder_code`` alone by one on (state, holder_code) (created with the
    models after the steps): no query reads the holder alone (the handler's list joins the units under his
    and filters the state; EXPLAIN QUERY PLAN read appeal_state before and after), while each escalation of
    the sweep moved an entry of it from the village's part of the index to the township's."""
    db.execute_sql('DROP INDEX IF EXISTS "appeal_holder_code"')
    return []


DOMAIN = Domain(
    name="appeals", models=MODELS, blueprints=[views.bp, open311.bp], api_blueprints=[api.bp],
    actions={
        "appeal.file": {"resident", "clerk", "supervisor", "handler", "inspector", "admin"},
        "appeal.file_for": {"handler"},
        "appeal.intake": {"handler", "admin"},
        "appeal.handle": {"handler", "admin"},
    },
    sections=[Section("appeals", _village_section, "appeals.village_list")],
    audit_sources={"appeal": _rederive}, record_types=[services.APPEAL],
    # rows keep the text as filed, payloads are masked: after a detector fix only entries are withheld
    remaskers=[Remasker("appeal", entry_types=("appeal",))],
    openapi_paths=openapi_paths.PATHS, openapi_schemas=openapi_paths.SCHEMAS,
    figures=FIGURES, exports=[EXPORT], flag_rules=flags.RULES, demo=demo.load, demo_order=60, setup=setup,
    public=("portal.appeals.stats",),
    migrations=[(14, "appeal_drop_due_at_index", _drop_due_at_index),
                (15, "appeal_holder_index_by_state", _holder_index_by_state)],
)
