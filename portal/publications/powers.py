"""The power list (权力清单): micro-powers with their steps, and each record's progress.

A record names the power it exercises; the clerk records which step was done
on which day (append-only, each an audit entry). The flowchart marks a step
``done``, ``late`` (later than its time limit after the previous step),
``missing`` (skipped: a later step is done) or ``pending``.
"""
from portal.core.text import clean_text
from portal.core.auditing import record
from portal.core.db import transaction
from portal.core.errors import Conflict, ValidationError
from portal.core.i18n import N_
from portal.core.permissions import require
from portal.publications.audit_trail import step_payload
from portal.publications.categories import POWER_CATEGORIES
from portal.core.clock import parse_date, today
from portal.core.personal_data import mask
from portal.publications.models import PowerItem, PowerStep, Publication, StepRecord

STEP_STATES = {"done": N_("已完成"), "late": N_("超时完成"), "missing": N_("缺失"), "pending": N_("待办")}


def define_power(actor, code, name, category, basis, steps, sort_order=0):
    """Add a power with its steps ``[(name, role, limit_days), ...]``; audited, public."""
    if actor is not None:
        require(actor, "power.manage")
    code = clean_text(code, "power", "事项编号", 16)
    name = clean_text(name, "power", "事项名称", 80)
    if not code or len(code) > 16 or not name or len(name) > 80:
        raise ValidationError("bad_power", "事项编号（≤16位）和名称（≤80字）必填。")
    if category not in POWER_CATEGORIES:
        raise ValidationError("bad_power_category", "权力类别无效。")
    if not steps:
        raise ValidationError("missing_steps", "权力事项至少要有一个步骤。")
    if PowerItem.get_or_none(PowerItem.code == code):
        raise Conflict("duplicate_power", "该权力事项编号已存在。")
    with transaction():
        item = PowerItem.create(code=code, name=name, category=category, basis=basis or "", sort_order=sort_order)
        for position, (step_name, role, limit) in enumerate(steps, start=1):
            PowerStep.create(power=item, position=position, name=step_name, role=role, limit_days=limit)
        record(actor, "power.define", "power", code,
                     {"code": code, "name": name, "category": category, "basis": item.basis,
                      "steps": [list(s) for s in steps]})
    return item


def power_list():
    return list(PowerItem.select().order_by(PowerItem.sort_order, PowerItem.code))


def steps_of(power):
    return list(PowerStep.select().where(PowerStep.power == power).order_by(PowerStep.position))


def record_step(actor, pub, step_id, done_on, note=""):
    """Record that a step of the record's power was done on ``done_on``."""
    require(actor, "publication.draft", pub.village)
    if pub.power_id is None:
        raise Conflict("no_power", "该记录没有关联权力清单事项。")
    if pub.status == "withdrawn":
        raise Conflict("withdrawn", "已撤回的记录不能再登记步骤。")
    step = PowerStep.get_or_none((PowerStep.id == step_id) & (PowerStep.power == pub.power_id)) \
        if str(step_id).isdigit() else None
    if step is None:
        raise ValidationError("bad_step", "该步骤不属于本记录的权力事项。")
    done_on = parse_date(done_on, "done_on", "完成日期")
    if done_on is None:
        raise ValidationError("missing_done_on", "请填写完成日期。")
    if done_on > today():
        raise ValidationError("done_on_in_future", "完成日期不能晚于今天。")
    note = clean_text(note, "note", "说明", 200)
    if StepRecord.select().where((StepRecord.series == pub.series) & (StepRecord.step == step)).exists():
        raise Conflict("step_recorded", "该步骤已经登记过。")
    with transaction():
        row = StepRecord.create(series=pub.series, publication=pub, step=step, done_on=done_on,
                                note=mask(note), recorded_by=actor)
        record(actor, "publication.step", "publication_step", row.id, step_payload(row))
    return row


def flow_for(pub):
    """The flowchart of a record: one dict per step of its power, with its state."""
    if pub.power_id is None:
        return []
    done = {r.step_id: r for r in StepRecord.select().where(StepRecord.series == pub.series)}
    steps = steps_of(pub.power_id)
    last_done_position = max((s.position for s in steps if s.id in done), default=0)
    flow, previous = [], None
    for step in steps:
        row = done.get(step.id)
        late_by = 0
        if row is not None:
            if previous is not None and step.limit_days is not None:
                late_by = max(0, (row.done_on - previous).days - step.limit_days)
            state = "late" if late_by else "done"
            previous = row.done_on
        else:
            state = "missing" if step.position < last_done_position else "pending"
        flow.append({"step": step, "record": row, "state": state, "state_name": STEP_STATES[state],
                     "late_by": late_by})
    return flow


def records_for_power(power, village=None):
    query = Publication.select().where((Publication.power == power) &
                                       (Publication.status.in_(("published", "withdrawn"))))
    if village is not None:
        query = query.where(Publication.village == village)
    return list(query.order_by(Publication.published_at.desc()))

