"""The only writer of seals and their uses: the register, status changes, handovers, the use log.

Every step is a transition of a record type (``portal.core.records``): one transaction under the
write lock, the scope check, the state check, the change, the audit entry, ``public.changed`` after
commit. The checks here refuse what must never be written (an unknown or destroyed seal, a keeper
who is also the approver, a date in the future, copies ≤ 0, and — where the county configures
``SEALS_REFUSE_KEEPER_APPROVAL`` — a keeper approving their own seal's use); what is suspicious but
true (no approval, a must-not certificate, a seal used while suspended) is written and flagged
(``portal.seals.flags``), because the log must show what happened.
"""
import datetime

from flask import current_app
from peewee import fn

from portal.core import records
from portal.core.clock import iso, local_date, parse_date, parse_datetime, today, utcnow
from portal.core.db import transaction
from portal.core.errors import Conflict, NotFound, ValidationError
from portal.core.files import check_file, public_image, sha256_hex
from portal.core.i18n import N_
from portal.core.records import RecordType, Transition
from portal.core.text import clean_text
from portal.meetings import services as meetings
from portal.publications import services as publications
from portal.seals import certificates
from portal.seals.models import Seal, SealHandover, SealUse
from portal.seals.naming import surname_only
from portal.seals.vocab import (MATTERS, SEAL_KINDS, SEAL_STATES, USE_STATES, VOTE_MATTERS, VOTE_MEETING_KINDS,
                                VOTE_WORDS)
from portal.units.models import Unit

MAX_COPIES = 10_000
IMPRESSION_TYPES = ("image/png", "image/jpeg")


def _village(code):
    return Unit.find(code, "village")


def _name(data, key, label, required=True):
    return clean_text(data.get(key), key, label, 32, required=required) or ""


def _past_date(data, key, label, default=None):
    day = parse_date(data.get(key), key, label) or default
    if day is None:
        raise ValidationError(f"missing_{key}", N_("请填写%(label)s。"), label=label)
    if day > today():
        raise ValidationError(f"{key}_in_future", N_("%(label)s不能晚于今天。"), label=label)
    return day


# -- the register --------------------------------------------------------------------

def _fill_seal(actor, row, data):
    row.village = data["_village"]
    row.name = clean_text(data.get("name"), "name", "印章名称", 80, required=True)
    kind = data.get("kind")
    if kind not in SEAL_KINDS:
        raise ValidationError("bad_kind", N_("印章类别无效，可选：%(kinds)s。"), kinds="、".join(SEAL_KINDS))
    row.kind = kind
    row.keeper = _name(data, "keeper", "保管人")
    row.approver = _name(data, "approver", "审批人")
    if row.keeper == row.approver:
        raise ValidationError("keeper_is_approver", N_("保管人和审批人不能是同一人。"))
    row.registered_on = _past_date(data, "registered_on", "登记日期", today())


def _status(actor, row, data):
    row.status_on = _past_date(data, "date", "日期", today())
    row.status_reason = clean_text(data.get("reason"), "reason", "原因", 200, required=True)


def _handover(actor, row, data):
    to_keeper = _name(data, "to_keeper", "接交人")
    witness = _name(data, "witness", "监交人")
    if to_keeper == row.keeper:
        raise ValidationError("same_keeper", N_("接交人就是现任保管人。"))
    if to_keeper == row.approver:
        raise ValidationError("keeper_is_approver", N_("保管人和审批人不能是同一人：接交人是本章的审批人。"))
    if witness in (to_keeper, row.keeper):
        raise ValidationError("bad_witness", N_("监交人不能是移交人或接交人。"))
    handed_on = _past_date(data, "handed_on", "移交日期", today())
    image, digest = None, ""
    if data.get("impression"):
        filename, raw = data["impression"]
        check_file(filename, raw, allowed=IMPRESSION_TYPES)
        image, digest = public_image(raw), sha256_hex(raw)
    SealHandover.create(seal=row, handed_on=handed_on, from_keeper=row.keeper, to_keeper=to_keeper,
                        witness=witness, impression=image, impression_sha256=digest)
    row.keeper = to_keeper


def handover_view(h):
    return {"id": h.id, "handed_on": h.handed_on.isoformat(), "from_keeper": h.from_keeper,
            "to_keeper": h.to_keeper, "witness": h.witness, "impression_sha256": h.impression_sha256 or None,
            "impression_url": f"/seals/handovers/{h.id}/impression.jpg" if h.impression else None}


def _latest_handover(row):
    return SealHandover.select().where(SealHandover.seal == row.id).order_by(SealHandover.id.desc()).first()


def _handover_payload(row):
    """The seal as it is after the handover, with the handover it records (re-derivable by ``verify``)."""
    view = records.public_view_of(SEAL)(row)
    latest = _latest_handover(row)
    view["handover"] = handover_view(latest) if latest else None
    return view


def _handover_files(row):
    latest = _latest_handover(row)
    return [latest.impression_sha256] if latest is not None and latest.impression_sha256 else []


def _seal_extra(row):
    return {"kind_name": SEAL_KINDS.get(row.kind, row.kind), "status_on": row.status_on,
            "status_reason": row.status_reason, "registered_on": row.registered_on}


REFUSE_DESTROYED = {"destroyed": N_("该印章已销毁，不能再办理。")}

SEAL = RecordType(
    name="seal", label=N_("印章"), model=Seal, states=SEAL_STATES,
    public_states=list(SEAL_STATES), unit_of=lambda row: row.village, find_unit=_village,
    public_fields=["name", "kind", "keeper", "approver"], view_extra=_seal_extra,
    field_labels={"name": N_("印章名称"), "kind": N_("类别"), "keeper": N_("保管人"), "approver": N_("审批人")},
    field_schemas={"name": {"type": "string"}, "kind": {"type": "string", "enum": list(SEAL_KINDS)},
                   "keeper": {"type": "string"}, "approver": {"type": "string"},
                   "status_on": {"type": ["string", "null"], "format": "date"},
                   "status_reason": {"type": "string"}},
    title_of=lambda row: row.name, body_of=lambda row: f"{row.name} 保管人{row.keeper} 审批人{row.approver}",
    category="seal", api_path=None, url_of=lambda seal_id: f"/seals/seal/{seal_id}",
    transitions=[
        Transition("create", "seal.register", [None], "in_use", change=_fill_seal, summary="Register a seal"),
        Transition("suspend", "seal.register", ["in_use"], "suspended", change=_status, summary="Suspend a seal",
                   refusals=REFUSE_DESTROYED),
        Transition("resume", "seal.register", ["suspended"], "in_use", change=_status, summary="Resume use",
                   refusals=REFUSE_DESTROYED),
        Transition("report_lost", "seal.register", ["in_use", "suspended"], "lost", change=_status,
                   summary="Report a seal lost", refusals=REFUSE_DESTROYED),
        Transition("destroy", "seal.register", ["in_use", "suspended", "lost"], "destroyed", change=_status,
                   summary="Record a seal destroyed", refusals=REFUSE_DESTROYED),
        Transition("handover", "seal.register", ["in_use"], "in_use", change=_handover, payload=_handover_payload,
                   files=_handover_files, summary="Hand the seal to a new keeper", refusals=REFUSE_DESTROYED),
    ])
STATUS_STEPS = ("suspend", "resume", "report_lost", "destroy")


def get_seal(seal_id):
    if isinstance(seal_id, str) and seal_id.isdigit():
        seal_id = int(seal_id)
    if isinstance(seal_id, bool) or not isinstance(seal_id, int) or not 0 < seal_id < records.MAX_ID:
        raise ValidationError("unknown_seal", N_("找不到该印章，请从本村的印章登记中选择。"))
    seal = Seal.get_or_none(Seal.id == seal_id)
    if seal is None:
        raise ValidationError("unknown_seal", N_("找不到该印章，请从本村的印章登记中选择。"))
    return seal


def register_seal(actor, village_code, data):
    village = _village(village_code)
    if village is None:
        raise ValidationError("bad_village", N_("村（社区）代码不存在。"))
    return records.create(SEAL, actor, village, dict(data, _village=village))


def change_seal(actor, seal_id, step, data):
    """A status change (suspend, resume, report_lost, destroy) or a handover, by transition name."""
    if step not in STATUS_STEPS + ("handover",):
        raise NotFound("not_found", N_("没有这种操作。"))
    seal = get_seal(seal_id)
    with transaction(lock=True):
        row = records.transition(SEAL, actor, seal.id, step, data)
        if step == "handover":
            SealHandover.update(audit_index=row.audit_index).where(
                SealHandover.id == _latest_handover(row).id).execute()
    return row


def seals_in_use_by_village(village_codes):
    """{village code: seals in use}, one grouped query (a township's or the county's register)."""
    return dict(Seal.select(Seal.village, fn.COUNT(Seal.id)).where(Seal.village.in_(list(village_codes))
                                                                    & (Seal.state == "in_use"))
                .group_by(Seal.village).tuples())


def seals_of(village, include_destroyed=True):
    query = Seal.select().where(Seal.village == village)
    if not include_destroyed:
        query = query.where(Seal.state != "destroyed")
    return list(query.order_by(Seal.id))


# -- the use log ---------------------------------------------------------------------

def _decision(village, value):
    """``{"type", "id"}`` (or ``"meeting:7"``) → (type, id, public title); the decision must be public
    and the village's own: a published notice or a 村民(代表)会议 that took place."""
    if value in (None, "", {}):
        return "", None, ""
    if isinstance(value, str) and ":" in value:
        kind, _sep, raw = value.partition(":")
        value = {"type": kind, "id": int(raw) if raw.isdigit() else raw}
    if not isinstance(value, dict) or not isinstance(value.get("id"), int) or isinstance(value.get("id"), bool):
        raise ValidationError("bad_decision", N_("决策依据须为 {\"type\": \"publication\"|\"meeting\", \"id\": 数字}。"))
    kind, object_id = value.get("type"), value["id"]
    try:
        if kind == "publication":
            pub = publications.get_publication(object_id)
            if pub.village_id != village.code or pub.status != "published":
                raise ValidationError("bad_decision", N_("决策依据须是本村已公开的记录。"))
            return kind, pub.id, pub.title_masked
        if kind == "meeting":
            meeting = meetings.get_meeting(object_id)
            if meeting.village_id != village.code or meeting.kind not in VOTE_MEETING_KINDS \
                    or meeting.status == "scheduled":
                raise ValidationError("bad_decision", N_("决策依据须是本村已召开的村民会议或村民代表会议。"))
            return kind, meeting.id, meeting.title
    except NotFound:
        raise ValidationError("bad_decision", N_("找不到作为决策依据的记录。")) from None
    raise ValidationError("bad_decision", N_("决策依据的类型须为 publication 或 meeting。"))


def vote_reason(matter, purpose, document):
    """Why a use needs a vote first: its matter, or a word of its purpose/document; None if it does not."""
    if matter in VOTE_MATTERS:
        return MATTERS[matter]
    text = f"{purpose} {document}"
    return next((word for word in VOTE_WORDS if word in text), None)


def _copies(value):
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_COPIES:
        raise ValidationError("bad_copies", N_("份数须是1到10000之间的整数。"))
    return value


def _fill_use(actor, row, data):
    seal = Seal.get(Seal.id == data["_seal"].id)  # re-read under the write lock
    if seal.state == "destroyed":
        raise Conflict("seal_destroyed", N_("该印章已销毁，不能再使用。"))
    row.seal, row.village_id, row.keeper, row.seal_state = seal, seal.village_id, seal.keeper, seal.state
    row.used_on = _past_date(data, "used_on", "用印日期", today())
    row.purpose = clean_text(data.get("purpose"), "purpose", "用印事由", 200, required=True)
    row.document = clean_text(data.get("document"), "document", "文件名称", 200, required=True)
    row.copies = _copies(data.get("copies"))
    row.applicant = _name(data, "applicant", "申请人")
    row.approver = _name(data, "approver", "审批人", required=False)
    row.handler = _name(data, "handler", "经办人", required=False)
    if row.approver and row.approver == seal.keeper and current_app.config.get("SEALS_REFUSE_KEEPER_APPROVAL"):
        raise ValidationError("keeper_approval_refused", N_("本县规定：印章保管人不能审批本章的使用，请由审批人%(approver)s审批。"),
                              approver=seal.approver)
    matter = data.get("matter") or "routine"
    if matter not in MATTERS:
        raise ValidationError("bad_matter", N_("用印事项类别无效。"))
    certificate = clean_text(data.get("certificate"), "certificate", "证明事项", 60) or ""
    if certificate:
        matter = "certificate" if matter == "routine" else matter
        entry = certificates.find(seal.village, certificate)
        row.certificate = entry["code"] if entry else ""
        row.certificate_name = entry["name"] if entry else certificate
        row.certificate_kind = entry["kind"] if entry else "unlisted"
    row.matter = matter
    row.needs_vote = vote_reason(matter, row.purpose, row.document) is not None
    row.decision_type, row.decision_id, row.decision_title = _decision(seal.village, data.get("decision"))
    # ``_recorded_at`` comes only from the demo and benchmark loaders (the API passes known keys only).
    row.created_at = data.get("_recorded_at") or utcnow()
    row.client_key = data.get("_client_key")
    row.month = row.used_on.strftime("%Y-%m")
    row.days_late = (local_date(row.created_at) - row.used_on).days
    row.left_office = bool(data.get("left_office"))
    if row.left_office:
        row.out_at = row.created_at


def _return(actor, row, data):
    when = parse_datetime(data["returned_at"], "returned_at", "归还时间") if data.get("returned_at") else utcnow()
    if when > utcnow() + datetime.timedelta(minutes=5):
        raise ValidationError("returned_at_in_future", N_("归还时间不能晚于现在。"))
    if row.out_at and when < row.out_at:
        raise ValidationError("bad_returned_at", N_("归还时间不能早于带出时间。"))
    row.returned_at = when


def _use_extra(row):
    seal = row.seal
    decision = None
    if row.decision_type:
        path = "/p/" if row.decision_type == "publication" else "/meetings/"
        decision = {"type": row.decision_type, "id": row.decision_id, "title": row.decision_title,
                    "url": f"{path}{row.decision_id}"}
    return {"seal": seal.id, "seal_kind": seal.kind, "seal_state": row.seal_state,
            "applicant": surname_only(row.applicant), "matter": row.matter, "needs_vote": row.needs_vote,
            "certificate": row.certificate, "certificate_kind": row.certificate_kind, "left_office": row.left_office,
            "decision": decision,
            "certificate_kind_name": certificates.KINDS.get(row.certificate_kind, N_("不在清单内"))
            if row.certificate_kind else None,
            "recorded_at": iso(row.created_at), "out_at": iso(row.out_at), "returned_at": iso(row.returned_at)}


def _use_title(row):
    return f"{row.seal.name} · {row.document}"


def _use_body(row):
    return " ".join(x for x in (row.purpose, row.document, row.certificate_name, row.approver, row.handler) if x)


USE_FIELDS = ["seal_name", "used_on", "purpose", "document", "copies", "applicant", "approver", "handler", "keeper",
              "matter_name", "certificate_name", "decision_title", "taken_out"]
SEAL_USE = RecordType(
    name="seal_use", label=N_("用印记录"), model=SealUse, states=USE_STATES, public_states=list(USE_STATES),
    unit_of=lambda row: row.village, find_unit=_village, public_fields=USE_FIELDS, view_extra=_use_extra,
    field_labels={"seal_name": N_("印章"), "used_on": N_("用印日期"), "purpose": N_("用印事由"),
                  "document": N_("文件名称"), "copies": N_("份数"), "applicant": N_("申请人"), "approver": N_("审批人"),
                  "handler": N_("经办人"), "keeper": N_("保管人"), "matter_name": N_("事项类别"),
                  "certificate_name": N_("证明事项"), "decision_title": N_("决策依据"), "taken_out": N_("印章带出")},
    field_schemas={"seal": {"type": "integer"}, "used_on": {"type": "string", "format": "date"},
                   "purpose": {"type": "string"}, "document": {"type": "string"}, "copies": {"type": "integer"},
                   "applicant": {"type": "string", "description": "surname only"},
                   "approver": {"type": "string"}, "handler": {"type": "string"}, "keeper": {"type": "string"},
                   "matter": {"type": "string", "enum": list(MATTERS)}, "needs_vote": {"type": "boolean"},
                   "certificate": {"type": "string"}, "certificate_kind": {"type": "string"},
                   "left_office": {"type": "boolean"},
                   "decision": {"type": ["object", "null"]},
                   "out_at": {"type": ["string", "null"], "format": "date-time"},
                   "returned_at": {"type": ["string", "null"], "format": "date-time"},
                   "recorded_at": {"type": "string", "format": "date-time"}},
    title_of=_use_title, body_of=_use_body, category="seal", api_path=None,
    transitions=[
        Transition("create", "seal.use", [None], "recorded", change=_fill_use, summary="Record a use"),
        Transition("take_out", "seal.use", [None], "out", change=_fill_use, summary="Record a use outside the office"),
        Transition("return", "seal.use", ["out"], "recorded", change=_return, summary="The seal came back",
                   refusals={"recorded": N_("该印章已归还（或未带出）。")}),
    ])


def record_use(actor, data):
    """The clerk's record of one use; the seal names the village (and so the scope)."""
    return record_use_once(actor, data)[0]


def record_use_once(actor, data, client_key=None):
    """``record_use`` that records once per ``client_key`` (the API's ``Idempotency-Key``, the quick
    form's hidden token): a phone retrying after a timeout, or a double tap, gets the use already
    recorded. Returns ``(use, created)``. The check runs under the write lock, and a unique index on
    (village, client_key) backs it on PostgreSQL."""
    seal = get_seal(data.get("seal"))
    key = clean_text(client_key, "idempotency_key", "Idempotency-Key", 64) if client_key else None
    step = "take_out" if data.get("left_office") else "create"
    with transaction(lock=True):
        if key:
            known = SealUse.get_or_none((SealUse.village == seal.village_id) & (SealUse.client_key == key))
            if known is not None:
                return known, False
        return records.create(SEAL_USE, actor, seal.village, dict(data, _seal=seal, _client_key=key), step), True


def return_seal(actor, use_id, data=None):
    if isinstance(use_id, str) and use_id.isdigit():
        use_id = int(use_id)
    return records.transition(SEAL_USE, actor, use_id, "return", data or {})


def uses_query(village=None, seal=None, start=None, end=None, certificate_only=False, out_only=False, q=None,
               with_seal=True, columns=None, villages=None, not_back=False):
    """Uses, newest first, filtered (the log page and the API share it); ``with_seal=False`` for counting
    (the join costs a county-scale count ten times its index scan); ``columns``: only these of each use
    (with its seal's name), as the log page reads them. ``villages``: codes (a township's or the county's
    log); ``not_back``: only the seals out and not yet returned (state ``out``, as 外带未归还 counts them)."""
    if not with_seal:
        query = SealUse.select(SealUse.id)
    elif columns:
        query = SealUse.select(*columns, SealUse.seal, Seal.id, Seal.name).join(Seal)
    else:
        query = SealUse.select(SealUse, Seal).join(Seal)
    if village is not None:
        query = query.where(SealUse.village == village)
    if villages is not None:
        query = query.where(SealUse.village.in_(list(villages)))
    if seal is not None:
        query = query.where(SealUse.seal == seal)
    if start is not None:
        query = query.where(SealUse.used_on >= start)
    if end is not None:
        query = query.where(SealUse.used_on <= end)
    # Written so as not to match the red-flag rules' partial indexes (models.py): those hold the whole
    # county's certificates and outings, and the planner would scan them instead of the village's index.
    if certificate_only:
        query = query.where(SealUse.certificate_name > "")
    if out_only:
        query = query.where(SealUse.out_at.is_null(False))
    if not_back:
        query = query.where(SealUse.state == "out")
    if q:
        query = query.where(SealUse.purpose.contains(q) | SealUse.document.contains(q))
    return query.order_by(SealUse.used_on.desc(), SealUse.id.desc())


# What a line of the village's log shows (templates/seals/village.html): hydrating the other columns of 30
# uses and their seals was a third of the page's time.
U = SealUse
LOG_COLUMNS = (U.id, U.used_on, U.document, U.purpose, U.copies, U.applicant, U.approver, U.handler,
               U.certificate_name, U.certificate_kind, U.left_office, U.out_at, U.returned_at)


def public_use(row):
    return records.public_view(SEAL_USE, row)


def public_seal(row):
    view = records.public_view(SEAL, row)
    view["url"] = records.object_url("seal", row.id, external=True)  # its own page, with the handovers
    view["handovers"] = [handover_view(h) for h in row.handovers.order_by(SealHandover.id)]
    return view

