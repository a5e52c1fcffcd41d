"""督办: open, answer, ask again, extend once, escalate when overdue, conclude — the one write path.

Every step is a ``Transition`` of the ``FOLLOWUP`` record type taken through
``portal.core.records`` (locked row, scope, state, audit entry in the same
transaction, ``public.changed`` after commit), so of two simultaneous answers
exactly one is written. A follow-up's scope is its object's unit: an inspector
opens and concludes follow-ups on what their unit covers, the assignee (whose
unit covers the object too, see ``assignees``) answers. Follow-ups are not
registered as a record type of their own: they are not objects of follow-ups,
and their visibility (public or internal) is not a state.
"""
from flask import url_for

from portal.core import records
from portal.core.clock import iso, parse_date, today, utcnow
from portal.core.i18n import N_
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from portal.core.files import check_file, sha256_hex
from portal.core.permissions import can
from portal.core.personal_data import mask
from portal.core.records import RecordType, Transition
from portal.core.text import clean_text
from portal.followups import assignees, counting, funnel, inbox, objects
from portal.followups.models import FINDINGS, VISIBILITIES, Campaign, Followup, FollowupFile, FollowupStep
from portal.units.models import Unit

STATES = {"waiting": N_("待答复"), "escalated": N_("逾期已上报"), "answered": N_("已答复"), "concluded": N_("已办结")}
AWAITING = ("waiting", "escalated")  # an answer is owed
MAX_FILES = 5
FILE_LIMIT = 10 * 1024 * 1024


def _due(value, field="due", label="答复期限"):
    day = parse_date(value, field, label)
    if day is None:
        raise ValidationError(f"missing_{field}", N_("请填写%(label)s。"), label=label)
    if day < today():
        raise ValidationError(f"{field}_in_past", N_("%(label)s不能早于今天。"), label=label)
    return day


def _open(actor, row, data):
    ref = data["object"]
    user, unit, role = assignees.parse(data.get("assignee"), ref.unit)
    visibility = data.get("visibility") or "internal"
    if visibility not in VISIBILITIES:
        raise ValidationError("bad_visibility", "公开范围只能是“公开”或“内部”。")
    if visibility == "public" and not ref.public:
        raise ValidationError("object_not_public", "该记录尚未公开，只能内部督办。")
    row.object_type, row.object_id, row.object_title = ref.type, ref.id, ref.title
    row.unit, row.unit_path = ref.unit, ref.unit.path
    row.question = clean_text(data.get("question"), "question", "督办事项", 2000, required=True)
    row.due_on = _due(data.get("due"))
    row.assignee_user, row.assignee_unit, row.assignee_role = user, unit, role
    row.visibility = visibility
    row.campaign = data.get("campaign_row")
    row.flag_id = data.get("flag_id")
    row.opened_by = actor
    funnel.count_followup(row.flag_id)  # in this transaction, before the row is written


def _step(row, kind, actor, text="", due_on=None):
    return FollowupStep.create(followup=row, kind=kind, text=text, actor=actor, due_on=due_on)


def _answer(actor, row, data):
    if not assignees.is_assignee(actor, row):
        raise PermissionDenied("not_assignee", "只有被督办的答复人才能答复。")
    text = clean_text(data.get("text"), "text", "答复内容", 5000, required=True)
    files = data.get("files") or []
    if len(files) > MAX_FILES:
        raise ValidationError("too_many_files", N_("每次答复最多%(limit)s个附件。"), limit=MAX_FILES)
    checked = [(check_file(name, blob, limit=FILE_LIMIT), blob) for name, blob in files]
    step = _step(row, "answer", actor, text)
    for (name, mime, _thumb), blob in checked:
        FollowupFile.create(step=step, filename=mask(name), mime=mime, size=len(blob), sha256=sha256_hex(blob),
                            data=blob)
    row.answered_at = utcnow()


def _ask_again(actor, row, data):
    text = clean_text(data.get("question") or data.get("text"), "question", "追问内容", 2000, required=True)
    due = data.get("due")
    if due in (None, "") and row.due_on < today():
        raise ValidationError("missing_due", "原答复期限已过，请重新指定答复期限。")
    if due not in (None, ""):
        row.due_on = _due(due)
    row.round += 1
    row.escalated_to, row.escalated_at = None, None
    _step(row, "ask_again", actor, text, row.due_on)


def _extend(actor, row, data):
    if row.extended:
        raise Conflict("already_extended", "答复期限只能延长一次。")
    reason = clean_text(data.get("reason"), "reason", "延期理由", 500, required=True)
    due = _due(data.get("due"))
    if due <= row.due_on:
        raise ValidationError("bad_due", "新的答复期限须晚于原期限。")
    row.due_on, row.extended = due, True
    row.escalated_to, row.escalated_at = None, None
    _step(row, "extend", actor, reason, due)


def _escalate(actor, row, data):
    on = data.get("today") or today()
    if row.due_on >= on:
        raise Conflict("not_overdue", "该督办尚未逾期。")
    row.escalated_to, row.escalated_at = assignees.superior(row), utcnow()
    _step(row, "escalate", None, f"逾期未答复，已上报{row.escalated_to.name}。")


def _conclude(actor, row, data):
    conclusion = data.get("conclusion")
    finding = data.get("finding")
    if isinstance(conclusion, dict):
        finding, conclusion = conclusion.get("finding", finding), conclusion.get("text")
    if finding in (None, ""):
        raise ValidationError("missing_finding", "办结须给出结论：未发现问题、已整改或移送纪律审查。")
    if finding not in FINDINGS:
        raise ValidationError("bad_finding", "结论只能是：未发现问题、已整改或移送纪律审查。")
    row.finding = finding
    row.conclusion = clean_text(conclusion, "conclusion", "办结意见", 5000, required=True)
    row.concluded_at = utcnow()
    funnel.count_finding(row)
    _step(row, "conclude", actor, row.conclusion)


def last_step(row):
    return row.steps.order_by(FollowupStep.id.desc()).first()


def audit_payload(row):
    """What each step's audit entry seals: the follow-up as it now stands and the step just taken."""
    step = last_step(row)
    return {"id": row.id, "object": {"type": row.object_type, "id": row.object_id}, "village": row.unit_id,
            "state": row.state, "question": mask(row.question), "assignee": assignees.label(row),
            "due": row.due_on.isoformat(), "extended": row.extended, "visibility": row.visibility,
            "round": row.round, "campaign": row.campaign_id, "flag": row.flag_id,
            "escalated_to": row.escalated_to_id, "finding": row.finding, "conclusion": mask(row.conclusion),
            "step": None if step is None else {
                "id": step.id, "kind": step.kind, "text": mask(step.text),
                "due": step.due_on.isoformat() if step.due_on else None,
                "files": [f.sha256 for f in step.files.order_by(FollowupFile.id)]}}


def _step_files(row):
    step = last_step(row)
    return [f.sha256 for f in step.files.order_by(FollowupFile.id)] if step is not None else []


_DONE = {"concluded": "该督办已办结。"}
FOLLOWUP = RecordType(
    name="followup", label="督办", model=Followup, states=STATES, public_states=tuple(STATES),
    unit_of=lambda row: row.unit, find_unit=lambda code: Unit.get_or_none(Unit.code == code),
    public_fields=(), generic=False, title_of=lambda row: row.question[:60], url_of=lambda followup_id: f"/followups/{followup_id}",
    transitions=[
        Transition("create", "followup.open", [None], "waiting", change=_open, payload=audit_payload),
        Transition("answer", "followup.answer", AWAITING, "answered", change=_answer, payload=audit_payload,
                   files=_step_files, refusals={"answered": "已经答复，等待纪检监察审核。", **_DONE}),
        Transition("ask_again", "followup.open", ["answered"], "waiting", change=_ask_again, payload=audit_payload,
                   refusals={**{s: "尚未答复，不能追问。" for s in AWAITING}, **_DONE}),
        Transition("extend", "followup.open", AWAITING, "waiting", change=_extend, payload=audit_payload,
                   refusals={"answered": "已经答复，无需延期。", **_DONE}),
        Transition("escalate", "followup.open", ["waiting"], "escalated", change=_escalate, payload=audit_payload,
                   refusals={"escalated": "该督办已经上报。", "answered": "已经答复。", **_DONE}),
        Transition("conclude", "followup.conclude", ["waiting", "escalated", "answered"], "concluded",
                   change=_conclude, payload=audit_payload, refusals=_DONE),
    ])


def rederive(entry):
    """``verify``: the latest entry of a follow-up re-derived from its row as it is now."""
    row = Followup.get_or_none(Followup.id == int(entry.object_id))
    if row is None:
        raise LookupError(entry.object_id)
    return audit_payload(row) if row.audit_index == entry.index else None


# -- the services pages and the API call --------------------------------------------------

def open_followup(actor, object_type, object_id, assignee, question, due, visibility="internal",
                  campaign=None, flag_id=None):
    """An inspector opens a follow-up on any record their unit covers; bad input writes nothing."""
    ref = objects.resolve(object_type, object_id)
    if flag_id is not None:
        flag = inbox.RedFlag.get_or_none(inbox.RedFlag.id == flag_id)
        if flag is None or (flag.object_type, flag.object_id) != (ref.type, ref.id):
            raise ValidationError("bad_flag", "该红旗预警不存在，或不是针对这条记录的。")
    campaign_row = None
    if campaign not in (None, ""):
        campaign_row = get_campaign_row(campaign)
        if not campaign_row.unit.covers(ref.unit):
            raise ValidationError("bad_campaign", "该记录不在专项整治的范围内。")
    data = {"object": ref, "assignee": assignee, "question": question, "due": due, "visibility": visibility,
            "campaign_row": campaign_row, "flag_id": flag_id}
    return records.create(FOLLOWUP, actor, ref.unit, data)


def get_campaign_row(campaign_id):
    if isinstance(campaign_id, str) and campaign_id.isdigit():
        campaign_id = int(campaign_id)
    if isinstance(campaign_id, bool) or not isinstance(campaign_id, int) or not 0 < campaign_id < records.MAX_ID:
        raise NotFound("bad_campaign", "专项整治不存在。")
    row = Campaign.get_or_none(Campaign.id == campaign_id)
    if row is None:
        raise NotFound("bad_campaign", "专项整治不存在。")
    return row


def answer(actor, followup_id, text, files=()):
    """The assignee answers (text and up to five PDF/JPEG/PNG files)."""
    return records.transition(FOLLOWUP, actor, followup_id, "answer", {"text": text, "files": list(files)})


def ask_again(actor, followup_id, question, due=None):
    return records.transition(FOLLOWUP, actor, followup_id, "ask_again", {"question": question, "due": due})


def extend(actor, followup_id, due, reason):
    return records.transition(FOLLOWUP, actor, followup_id, "extend", {"due": due, "reason": reason})


def conclude(actor, followup_id, finding, conclusion):
    return records.transition(FOLLOWUP, actor, followup_id, "conclude", {"finding": finding, "conclusion": conclusion})


def escalate_overdue(on=None):
    """Escalate every follow-up whose answer is overdue to the assignee's superior unit; returns how many."""
    on = on or today()
    ids = [r.id for r in Followup.select(Followup.id).where((Followup.state == "waiting") & (Followup.due_on < on))]
    done = 0
    for followup_id in ids:
        try:
            records.transition(FOLLOWUP, None, followup_id, "escalate", {"today": on}, system=True)
            done += 1
        except Conflict:  # answered or extended meanwhile
            continue
    return done


def get(followup_id):
    return records.get_row(FOLLOWUP, followup_id)


# -- who sees what ------------------------------------------------------------------------

def is_overdue(row, on=None):
    return row.state in AWAITING and row.due_on < (on or today())


def may_read(user, row):
    """A public follow-up anyone; an internal one the inspectors in scope, the assignee, the superior unit."""
    if row.visibility == "public":
        return True
    return may_handle(user, row)


def may_handle(user, row):
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role in ("inspector", "admin") and can(user, "followup.open", row.unit):
        return True
    if assignees.is_assignee(user, row):
        return True
    return row.escalated_to_id is not None and user.unit_id == row.escalated_to_id and user.role != "resident"


def is_inspector_for(user, row):
    return user is not None and getattr(user, "is_authenticated", False) and user.role == "inspector" \
        and can(user, "followup.open", row.unit)


def thread(row):
    """The public thread: the question, then each step (masked), oldest first."""
    out = [{"kind": "open", "text": mask(row.question), "at": iso(row.created_at), "due": row.due_on.isoformat()}]
    for step in row.steps.order_by(FollowupStep.id):
        out.append({"kind": step.kind, "text": mask(step.text), "at": iso(step.at),
                    "due": step.due_on.isoformat() if step.due_on else None,
                    "files": [{"name": f.filename, "sha256": f.sha256, "size": f.size} for f in step.files]})
    return out


def public_view(row, external=True):
    """A follow-up as the API shows it (masked); internal ones are shown only to those who may read them."""
    ref_url = None
    try:
        ref = objects.resolve(row.object_type, row.object_id)
        ref_url = ref.url
    except NotFound:
        ref = None
    return {"id": row.id, "object": {"type": row.object_type, "id": row.object_id, "title": row.object_title,
                                     "url": ref_url},
            "village": row.unit_id, "question": mask(row.question), "assignee": assignees.label(row),
            "due": row.due_on.isoformat(), "extended": row.extended, "visibility": row.visibility,
            "state": row.state, "state_name": STATES[row.state], "overdue": is_overdue(row),
            "escalated_to": row.escalated_to_id, "round": row.round, "campaign": row.campaign_id,
            "finding": row.finding, "finding_name": FINDINGS.get(row.finding),
            "conclusion": mask(row.conclusion) or None, "thread": thread(row),
            "created_at": iso(row.created_at), "updated_at": iso(row.updated_at), "audit_index": row.audit_index,
            "url": url_for("followups.detail", followup_id=row.id, _external=external)}


def public_for_object(object_type, object_id):
    return list(Followup.select().where((Followup.object_type == object_type) & (Followup.object_id == object_id)
                                        & (Followup.visibility == "public")).order_by(Followup.id))


def scope_query(unit):
    """Follow-ups on objects the unit covers (the county: all of them, without a path test)."""
    if unit.parent_id is None:
        return Followup.select()
    return Followup.select().where(Followup.unit_path.startswith(unit.path))


def days_left(row, on=None):
    return (row.due_on - (on or today())).days


def due_text(row):
    left = days_left(row)
    if row.state not in AWAITING:
        return ""
    if left < 0:
        return f"已逾期{-left}天"
    return "今天到期" if left == 0 else f"剩{left}天"



def assigned_to(user):
    """Follow-ups the user must answer: named, by their role at their unit, or escalated to their unit."""
    cond = (Followup.assignee_user == user.id)
    if user.unit_id is not None:
        cond = cond | ((Followup.assignee_user.is_null()) & (Followup.assignee_role == user.role) &
                       (Followup.assignee_unit == user.unit_id))
        if user.role != "resident":
            cond = cond | (Followup.escalated_to == user.unit_id)
    return Followup.select().where(cond)


PER_PAGE = 20
OPEN_STATES = ("waiting", "escalated", "answered")


def queue_query(user, state="open", object_type=None, village=None, due_from=None, due_to=None):
    """The follow-ups a staff user works on, earliest deadline first, filtered: by record type, by the
    object's village (within the user's scope), by a deadline range (China dates, inclusive)."""
    if user.role == "admin":
        query = Followup.select()
    elif user.role == "inspector" and user.unit is not None:
        query = scope_query(user.unit)
    else:
        query = assigned_to(user)
    if state == "concluded":
        query = query.where(Followup.state == "concluded")
    elif state == "overdue":
        query = query.where(Followup.state.in_(AWAITING) & (Followup.due_on < today()))
    elif state == "answered":  # answers the inspector has to review
        query = query.where(Followup.state == "answered")
    else:  # an IN list the state index answers (a != test reads every row)
        query = query.where(Followup.state.in_(OPEN_STATES))
    if object_type:
        query = query.where(Followup.object_type == object_type)
    if village is not None:
        query = query.where(Followup.unit == village.code)
    if due_from is not None:
        query = query.where(Followup.due_on >= due_from)
    if due_to is not None:
        query = query.where(Followup.due_on <= due_to)
    return query.order_by(Followup.due_on, Followup.id)


def with_units(rows):
    """Fill each row's units (the object's, the assignee's, the escalation's) from one query, so a list
    of follow-ups does not look up three units per row."""
    rows = list(rows)
    codes = {c for r in rows for c in (r.unit_id, r.assignee_unit_id, r.escalated_to_id) if c is not None}
    units = {u.code: u for u in Unit.select().where(Unit.code.in_(codes))} if codes else {}
    for r in rows:
        r.unit = units.get(r.unit_id, r.unit_id)
        r.assignee_unit = units.get(r.assignee_unit_id, r.assignee_unit_id)
        if r.escalated_to_id is not None:
            r.escalated_to = units.get(r.escalated_to_id, r.escalated_to_id)
    return rows


def queue_page(query, page, per_page=PER_PAGE):
    """One page of ``queue_query`` (units filled) and the total (counted up to ``counting.CAP``)."""
    return with_units(query.paginate(page, per_page)), counting.capped(query)


def queue_for(user, state="open", limit=200):
    """The follow-ups a staff user works on, earliest deadline first (the first ``limit``)."""
    return with_units(queue_query(user, state).limit(limit))
