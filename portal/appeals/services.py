"""The appeal's lifecycle (FixMyStreet-like, for this practice) on the record core's one write path.

    submitted 待受理 ─accept→ accepted 已受理 ─dispatch→ dispatched 已分办 ─start→ in_progress 办理中
       │ reject / duplicate / not_ours (each with its reason)          │ wait ⇄ resume (clock paused)
       ▼                                                               ▼
    rejected · duplicate · not_ours                 reply (outcome fixed | unfixed) → replied 已答复
                                                                       │ the filer rates once:
         满意/基本满意 → fixed 已解决 (outcome fixed) or closed_unfixed 已办结·未解决 (outcome unfixed)
         不满意 → reopened 已重新办理 (counted; after N reopens it escalates by itself)

``escalate`` (吹哨) moves the appeal up the tree (grid → village → township → county) with a
new deadline; departments named report (``report``, 报到) their part and the upper level
replies or dispatches again (兜底). "Fixed" and "closed without fixing" are different states,
so the closure rate can never count an unfixed appeal as solved.

Every step is a ``Transition`` (audited with actor and time); the filer and the overdue sweep
act as ``system`` steps, after this module has checked who they are.
"""
import datetime
import hashlib
import hmac
import secrets
import threading
import types
from contextlib import contextmanager

import peewee
from flask import current_app, url_for

from audit.verify import no_cyclic_gc
from portal.appeals import limits, tally
from portal.appeals.models import Appeal, AppealPhoto, AppealRating, AppealStep, ReceiptFailure
from portal.core import events, records
from portal.core.clock import iso, sealed_iso, utcnow
from portal.core.db import database, for_update, id_list, is_postgres, transaction
from portal.core.errors import Conflict, NotFound, PermissionDenied, PortalError, ValidationError
from portal.core.files import check_file, public_image, sha256_hex
from portal.core.i18n import N_
from portal.core.permissions import can
from portal.core.personal_data import mask
from portal.core.records import RecordType, Transition
from portal.core.text import clean_text
from portal.units.models import Unit

STATES = {
    "submitted": N_("待受理"), "accepted": N_("已受理"), "rejected": N_("不予受理"),
    "duplicate": N_("重复诉求"), "not_ours": N_("非本级职责"), "dispatched": N_("已分办"),
    "in_progress": N_("办理中"), "waiting": N_("等待群众补充"), "escalated": N_("已吹哨上报"),
    "replied": N_("已答复"), "fixed": N_("已解决"), "closed_unfixed": N_("已办结·未解决"),
    "reopened": N_("已重新办理"),
}
HANDLING = ("accepted", "dispatched", "in_progress", "escalated", "reopened")  # the deadline runs
OPEN = ("submitted",) + HANDLING + ("waiting",)  # not yet answered
CLOSED = ("fixed", "closed_unfixed")
NOT_ACCEPTED = ("rejected", "duplicate", "not_ours")
SYSTEM = "系统"  # the actor of the overdue sweep's steps
PUBLIC_FILER = "群众"  # the actor of a filer's steps: the log never names the filer
MAX_TEXT = 2000
MAX_PHOTOS = 6
PHOTO_BYTES = 8 * 1024 * 1024
RECEIPT_FAILURES = 5  # wrong receipts per address …
RECEIPT_WINDOW = 900  # … within these seconds, then refused
LEVEL_ORDER = ("grid", "village", "township", "county")


_clock = threading.local()


def now():
    """The time steps are stamped with: the real clock, or the demo's past (``clock_at``)."""
    return getattr(_clock, "at", None) or utcnow()


@contextmanager
def clock_at(at):
    """Stamp the steps taken inside as happening at ``at`` (naive UTC): the demo's year of appeals."""
    _clock.at = at
    try:
        yield
    finally:
        _clock.at = None


def _secret(label):
    return hmac.new(current_app.config["SECRET_KEY"].encode(), label.encode(), hashlib.sha256)


def receipt_hash(receipt):
    return _secret("appeal-receipt:" + str(receipt)).hexdigest()


def _receipt_for(idem):
    """16 digits. With an idempotency key the receipt follows from it, so a repeated submit
    shows the same receipt without the portal ever storing the code itself."""
    if idem:
        number = int(_secret("appeal-receipt-of:" + idem).hexdigest(), 16)
    else:
        number = secrets.randbelow(10**16)
    return f"{number % 10**16:016d}"


# -- the steps' changes ---------------------------------------------------------------

def _note(data, required, label=N_("说明")):
    return clean_text(data.get("note"), "note", label, MAX_TEXT, required=required)


def _step(row, note="", unit=None, department=""):
    """What the timeline line of this step says (saved by ``act`` with the audit index)."""
    row._step = {"note": note, "unit": unit or row.holder, "department": department}


def _fill(actor, row, data):
    row.village = data["village"]
    row.grid = data.get("grid")
    row.holder = row.village
    row.category = data["category"]
    row.urgent = bool(data.get("urgent"))
    row.text = data["text"]
    row.place = data.get("place", "")
    row.filer = data.get("filer")
    row.agent = data.get("agent")
    row.contact_name = data.get("contact_name", "")
    row.contact_phone = data.get("contact_phone", "")
    row.receipt_hash = data.get("receipt_hash")
    row.idem_key = data.get("idem_key")
    at = now()
    row.created_at = row.updated_at = at
    row.due_at = limits.intake_due(at)
    row._photos = data.get("photos", [])
    _step(row, unit=row.village)


def _accept(actor, row, data):
    at = now()
    row.accepted_at = at
    row.due_at = limits.handling_due(at, row.category, row.urgent)
    _step(row, _note(data, False))


def _reason(label):
    def change(actor, row, data):
        row.reason = _note(data, True, label)
        _step(row, row.reason)
    return change


def _duplicate(actor, row, data):
    original = Appeal.get_or_none(Appeal.id == _int(data.get("to"), "to"))
    if original is None or original.id == row.id or original.village_id != row.village_id:
        raise ValidationError("bad_to", "请填写本村（社区）另一条诉求的编号作为原诉求。")
    row.duplicate_of = original
    row.reason = _note(data, False) or f"与第{original.id}号诉求重复。"
    _step(row, row.reason)


def _int(value, field):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"bad_{field}", "编号必须是整数。") from None
    if not 0 < number < records.MAX_ID:
        raise ValidationError(f"bad_{field}", "编号超出范围。")
    return number


def _target(data, within):
    unit = Unit.get_or_none(Unit.code == str(data.get("to") or ""))
    if unit is None or not within.covers(unit):
        raise ValidationError("bad_to", "请选择本级及下级的网格、村（社区）或乡镇部门。")
    return unit


def _department(data):
    return clean_text(data.get("department"), "department", "部门", 64)


def _dispatch(actor, row, data):
    row.holder = _target(data, row.holder)
    row.department = _department(data)
    _step(row, _note(data, False), row.holder, row.department)


def _transfer(actor, row, data):
    """转办: to another unit of the same township (a neighbouring grid, a township department)."""
    target = _target(data, row.village.parent or row.village)
    if target.code == row.holder_id and not data.get("department"):
        raise ValidationError("bad_to", "请选择另一个单位或部门。")
    row.holder = target
    row.department = _department(data)
    _step(row, _note(data, True, N_("转办理由")), target, row.department)


def _start(actor, row, data):
    _step(row, _note(data, False))


def _wait(actor, row, data):
    row.paused_at = now()
    _step(row, _note(data, True, N_("需要群众补充的内容")))


def _resume(actor, row, data):
    if row.paused_at is not None:
        row.due_at += now() - row.paused_at  # the clock stood still while waiting
    row.paused_at = None
    _step(row, _note(data, False))


def _escalate(actor, row, data):
    at = data.get("now") or now()
    if data.get("auto") and not (row.due_at < at and row.state in HANDLING):
        raise Conflict("not_overdue", "该诉求未超期，无需自动上报。")
    parent = row.holder.parent
    if parent is None:
        raise Conflict("top_level", "已在县级办理，不能再上报。")
    row.holder = parent
    row.department = ""
    row.escalations += 1
    row.due_at = limits.escalation_due(at)
    names = data.get("departments") or []
    if not isinstance(names, list) or len(names) > 10:
        raise ValidationError("bad_departments", "报到部门最多10个。")
    departments = "、".join(clean_text(n, "departments", "部门", 64) for n in names if n)
    row.reason = _note(data, True, N_("吹哨理由"))
    _step(row, row.reason, parent, departments)


def _report(actor, row, data):
    _step(row, _note(data, True, N_("报到内容")), department=_department(data) or "部门")


def _reply(actor, row, data):
    outcome = data.get("outcome") or "fixed"
    if outcome not in ("fixed", "unfixed"):
        raise ValidationError("bad_outcome", "办理结果只能是“已解决”或“未能解决”。")
    at = now()
    row.reply = _note(data, True, N_("答复内容"))
    row.outcome = outcome
    row.replied_at = at
    row.first_reply_at = row.first_reply_at or at
    row.replied_by = actor if isinstance(actor, peewee.Model) else None
    row.awaiting_rating = True
    row._photos = data.get("photos", [])
    _step(row, row.reply)


def _closing(outcome):
    def change(actor, row, data):
        if row.outcome != outcome:
            raise Conflict("bad_state", "答复结果已变化，请刷新后重试。")
        row.closed_at = now()
        row.awaiting_rating = False
        _step(row, _note(data, False))
    return change


def _reopen(actor, row, data):
    at = now()
    row.reopen_count += 1
    row.awaiting_rating = False
    row.closed_at = None
    row.due_at = limits.handling_due(at, row.category, row.urgent)
    _step(row, _note(data, actor is not PUBLIC_FILER, N_("重新办理的理由")))


def audit_payload(row, masked_reason=None):
    """What the log seals: the public facts of the appeal, never the filer or the exact place.
    ``masked_reason``: ``mask(row.reason)`` when the caller has it (the sweep's one reason for all)."""
    return {"id": row.id, "state": row.state, "village": row.village_id, "grid": row.grid_id,
            "holder": row.holder_id, "department": row.department, "category": row.category,
            "urgent": row.urgent, "text": mask(row.text), "reply": mask(row.reply),
            "reason": mask(row.reason) if masked_reason is None else masked_reason,
            "outcome": row.outcome, "due_at": sealed_iso(row.due_at), "reopen_count": row.reopen_count,
            "escalations": row.escalations, "duplicate_of": row.duplicate_of_id}


def _photo_files(row):
    return [p[0] for p in getattr(row, "_photos", [])]


def _t(name, action, sources, target, change, summary, files=None, refusals=None):
    return Transition(name, action, sources, target, change=change, payload=audit_payload, summary=summary,
                      files=files, refusals=refusals or {})


RATED = {s: "这次答复已经评价过了。" for s in ("fixed", "closed_unfixed", "reopened")}
TRANSITIONS = [
    _t("file", "appeal.file", [None], "submitted", _fill, "File an appeal", files=_photo_files),
    _t("accept", "appeal.intake", ["submitted"], "accepted", _accept, "Accept (受理)"),
    _t("reject", "appeal.intake", ["submitted"], "rejected", _reason(N_("不予受理的理由")), "Reject with a reason"),
    _t("duplicate", "appeal.intake", ["submitted"], "duplicate", _duplicate, "Mark as a duplicate of `to`"),
    _t("not_ours", "appeal.intake", ["submitted"], "not_ours", _reason(N_("应向何处反映")),
       "Not this level's duty: say where to go"),
    _t("dispatch", "appeal.intake", ["accepted", "escalated", "reopened"], "dispatched", _dispatch,
       "Dispatch (分办) to unit `to`, optionally a `department`"),
    _t("transfer", "appeal.handle", ["dispatched", "in_progress"], "dispatched", _transfer, "Internal referral (转办)"),
    _t("start", "appeal.handle", ["dispatched"], "in_progress", _start, "Start handling"),
    _t("wait", "appeal.handle", ["in_progress"], "waiting", _wait, "Wait for the filer (the clock pauses)"),
    _t("resume", "appeal.handle", ["waiting"], "in_progress", _resume, "Resume after the filer answered"),
    _t("escalate", "appeal.handle", list(HANDLING), "escalated", _escalate,
       "Blow the whistle (吹哨): move up the tree with a new deadline"),
    _t("report", "appeal.handle", ["escalated"], "escalated", _report, "A department reports (报到) its part"),
    _t("reply", "appeal.handle", list(HANDLING), "replied", _reply,
       "Reply (答复) with outcome fixed|unfixed", files=_photo_files),
    _t("close", "appeal.handle", ["replied"], "fixed", _closing("fixed"), "Close a reply left unrated"),
    _t("close_unfixed", "appeal.handle", ["replied"], "closed_unfixed", _closing("unfixed"),
       "Close an unfixed reply left unrated"),
    _t("reopen", "appeal.handle", ["replied", "fixed", "closed_unfixed"], "reopened", _reopen, "Reopen"),
    _t("rated_fixed", "appeal.file", ["replied"], "fixed", _closing("fixed"), "Rated satisfied", refusals=RATED),
    _t("rated_unfixed", "appeal.file", ["replied"], "closed_unfixed", _closing("unfixed"), "Rated satisfied",
       refusals=RATED),
    _t("rated_reopen", "appeal.file", ["replied"], "reopened", _reopen, "Rated unsatisfied", refusals=RATED),
]
STAFF_ACTIONS = ("accept", "reject", "duplicate", "not_ours", "dispatch", "transfer", "start", "wait", "resume",
                 "escalate", "report", "reply", "close", "reopen")

APPEAL = RecordType(
    name="appeal", label="群众诉求", model=Appeal, states=STATES, public_states=list(STATES),
    transitions=TRANSITIONS, unit_of=lambda row: row.holder, find_unit=lambda code: Unit.find(code, "village"),
    public_fields=["text", "category"], title_of=lambda row: row.text[:40], body_of=lambda row: row.text,
    generic=False)


# -- writing ----------------------------------------------------------------------------

def _save_step(row, name):
    step = getattr(row, "_step", None) or {}
    AppealStep.create(appeal=row, action=name, state=row.state, unit=step.get("unit") or row.holder,
                      department=step.get("department", ""), note=step.get("note", ""), at=now(),
                      audit_index=row.audit_index)
    for sha, data in getattr(row, "_photos", []):
        AppealPhoto.create(appeal=row, kind="filing" if name == "file" else "result", data=data, sha256=sha)


def checked_photos(photos):
    """[(sha256 of the original, public JPEG)] from uploaded (name, bytes); at most six images."""
    photos = [p for p in photos or [] if p and p[1]]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError("too_many_photos", "照片最多6张。")
    out = []
    for name, data in photos:
        check_file(name, data, limit=PHOTO_BYTES, allowed={"image/jpeg", "image/png"})
        out.append((sha256_hex(data), public_image(data)))
    return out


def file_appeal(village_code, category, text, grid_code=None, urgent=False, place="", user=None,
                on_behalf=None, photos=(), idempotency_key=None):
    """File an appeal; returns (appeal, receipt or None, repeated).

    ``on_behalf`` = {"name", "phone"} makes it 代办: ``user`` must be a handler (grid worker) whose
    unit covers the village. The same ``idempotency_key`` again returns the first appeal (a double
    tap files once) with the same receipt.
    """
    village = Unit.find(village_code, "village")
    if village is None:
        raise ValidationError("bad_village", "村（社区）代码不存在。")
    grid = None
    if grid_code:
        grid = Unit.find(grid_code, "grid")
        if grid is None or grid.parent_id != village.code:
            raise ValidationError("bad_grid", "网格不属于该村（社区）。")
    if not isinstance(category, str) or category not in limits.CATEGORIES:
        raise ValidationError("bad_category", "请选择诉求类别。")
    text = clean_text(text, "text", "诉求内容", MAX_TEXT, required=True)
    if len(text) < 5:
        raise ValidationError("text_too_short", "诉求内容至少5个字，请说清楚是什么问题。")
    place = clean_text(place, "place", "具体位置", 120)
    idem = None
    if idempotency_key:
        if not isinstance(idempotency_key, str) or len(idempotency_key) > 100:
            raise ValidationError("bad_idempotency_key", "Idempotency-Key 不超过100个字符。")
        idem = _secret("appeal-idem:" + idempotency_key).hexdigest()
    data = {"village": village, "grid": grid, "category": category, "urgent": urgent, "text": text,
            "place": place, "idem_key": idem}
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if on_behalf is not None:
        if not (signed_in and can(user, "appeal.file_for", grid or village)):
            raise PermissionDenied("not_allowed", "只有本网格或本村（社区）的网格员可以代办。")
        data["agent"] = user
        data["contact_name"] = clean_text(on_behalf.get("name"), "contact_name", "群众姓名", 32, required=True)
        data["contact_phone"] = clean_text(on_behalf.get("phone"), "contact_phone", "联系电话", 20)
    elif signed_in:
        data["filer"] = user
    receipt = None if data.get("filer") else _receipt_for(idem)
    data["receipt_hash"] = receipt_hash(receipt) if receipt else None
    data["photos"] = checked_photos(photos)
    try:
        with transaction(lock=True):
            if idem:
                first = Appeal.get_or_none(Appeal.idem_key == idem)
                if first is not None:
                    return first, receipt, True
            row = records.create(APPEAL, PUBLIC_FILER if on_behalf is None else user, village, data,
                                 transition_name="file", system=True)
            _save_step(row, "file")
            tally.apply(tally.snapshot(None), row)
    except peewee.IntegrityError:  # PostgreSQL: the same key committed a moment ago by the other tap
        first = Appeal.get_or_none(Appeal.idem_key == idem) if idem else None
        if first is None:
            raise
        return first, receipt, True
    return row, receipt, False


def act(actor, appeal_id, name, data=None, system=False):
    """Take step ``name`` (checked, audited, with its timeline line) in one transaction."""
    data = dict(data or {})
    with transaction(lock=True):
        row = _take(actor, appeal_id, name, data, system)
        if name in ("reopen", "rated_reopen") and row.reopen_count >= limits.auto_escalate_reopens() \
                and row.holder.parent_id is not None:
            note = f"已第{row.reopen_count}次重新办理，系统自动吹哨上报。"
            row = _take(SYSTEM, row.id, "escalate", {"note": note}, True)
    return row


def _take(actor, appeal_id, name, data, system):
    """One step with its timeline line and its tally move (inside ``act``'s transaction)."""
    before = for_update(Appeal.select().where(Appeal.id == appeal_id)).first() \
        if isinstance(appeal_id, int) and 0 < appeal_id < records.MAX_ID else None
    row = records.transition(APPEAL, actor, appeal_id, name, data, system=system)
    _save_step(row, name)
    tally.apply(tally.snapshot(before), row)
    return row


def staff_act(actor, appeal_id, action, data=None):
    """A handler's step by its API name; ``close`` picks fixed or unfixed from the reply's outcome."""
    if action not in STAFF_ACTIONS:
        raise NotFound("not_found", "没有这种操作。")
    data = {k: v for k, v in (data or {}).items() if k not in ("now", "auto")}  # the sweep's own keys
    if "photos" in data:
        data["photos"] = checked_photos(data["photos"])
    if action == "close":
        row = records.get_row(APPEAL, appeal_id)
        action = "close_unfixed" if row.outcome == "unfixed" else "close"
    return act(actor, appeal_id, action, data)


def _receipt_attempts(address):
    since = utcnow() - datetime.timedelta(seconds=RECEIPT_WINDOW)
    return ReceiptFailure.select().where((ReceiptFailure.key == f"addr:{address}") &
                                         (ReceiptFailure.at >= since)).count()


def _wrong_receipt(address):
    with transaction():
        ReceiptFailure.create(key=f"addr:{address}")


def find_by_receipt(receipt, address):
    """The appeal a receipt code opens; wrong codes are counted per address and then refused."""
    if _receipt_attempts(address) >= RECEIPT_FAILURES:
        raise PortalError("too_many_attempts", "回执码错误次数过多，请15分钟后再试。", status=429)
    receipt = str(receipt or "").strip().replace(" ", "")
    row = None
    if receipt.isdigit() and len(receipt) == 16:
        row = Appeal.get_or_none(Appeal.receipt_hash == receipt_hash(receipt))
    if row is None:
        _wrong_receipt(address)
        raise PermissionDenied("bad_receipt", "回执码不正确。")
    return row


def is_filer(row, user=None):
    return user is not None and getattr(user, "is_authenticated", False) and row.filer_id == user.id


def rate(appeal_id, satisfied, user=None, receipt=None, comment="", address=""):
    """The filer's rating of the latest reply: satisfied | basic closes, unsatisfied reopens."""
    if satisfied not in ("satisfied", "basic", "unsatisfied"):
        raise ValidationError("bad_satisfied", "请选择满意、基本满意或不满意。")
    row = records.get_row(APPEAL, appeal_id)
    if receipt:
        if find_by_receipt(receipt, address).id != row.id:
            raise PermissionDenied("not_allowed", "只有反映人本人可以评价。")
    elif not is_filer(row, user):
        raise PermissionDenied("not_allowed", "只有反映人本人可以评价（匿名反映请填写回执码）。")
    comment = clean_text(comment, "comment", "评价意见", 500)
    if satisfied == "unsatisfied":
        name = "rated_reopen"
    else:
        name = "rated_unfixed" if row.outcome == "unfixed" else "rated_fixed"
    with transaction(lock=True):
        row = act(PUBLIC_FILER, appeal_id, name, {"note": comment}, system=True)
        first = not AppealRating.select().where(AppealRating.appeal == row).exists()
        AppealRating.create(appeal=row, satisfied=satisfied, comment=comment, at=now())
        tally.rated(row, satisfied, first)
    return row


SWEEP_NOTE = "超过办理时限未办结，系统自动吹哨上报。"
# Appeals escalated per transaction (one lock, one multi-row audit append, one after-commit batch). A year's
# backlog at a million appeals is ~16,000: a few transactions, each holding the write lock well under a second,
# instead of 32 of 500 (each commit rewrote the index pages the next batch dirtied again). A day's sweep is one.
SWEEP_BATCH = 5000


def sweep(at=None, batch=SWEEP_BATCH):
    """Escalate every appeal past its deadline one level up (a system step, audited).

    The same step as ``escalate`` taken one by one (the same row change, timeline line, audit
    entry and ``public.changed``), written ``batch`` appeals to a transaction: one write lock,
    set-based updates and one multi-row audit append, so a sweep over every open appeal of a
    county costs a few statements per batch, not a transaction per appeal.

    Safe to run from several processes at once: each batch re-reads its appeals and their
    deadline under the write lock (PostgreSQL: row locks), so an appeal another sweep already
    moved is skipped. Returns how many moved.
    """
    at = at or now()
    due = (Appeal.select(Appeal.id).join(Unit, on=(Appeal.holder == Unit.code))
           .where(Appeal.state.in_(list(HANDLING)) & (Appeal.due_at < at) & (Unit.level != "county"))
           .order_by(Appeal.id))
    # Read the ids first: a cursor left open across the writes below would pin SQLite's read
    # snapshot, and the next BEGIN IMMEDIATE fails at once once another thread has committed.
    ids = [appeal_id for (appeal_id,) in database.execute(due).fetchall()]
    moved = 0
    with no_cyclic_gc():  # a batch keeps thousands of rows alive until its commit; it makes no cycles
        for start in range(0, len(ids), batch):
            moved += _escalate_overdue(ids[start:start + batch], at)
    return moved


# What one escalation of the sweep reads of an appeal: ``audit_payload``'s facts and the values the step
# changes, named as ``audit_payload`` reads them off a model row (then the holder's parent, the new holder).
SWEPT = ((Appeal.id, "id"), (Appeal.state, "state"), (Appeal.village, "village_id"), (Appeal.grid, "grid_id"),
         (Appeal.holder, "holder_id"), (Appeal.department, "department"), (Appeal.category, "category"),
         (Appeal.urgent, "urgent"), (Appeal.text, "text"), (Appeal.reply, "reply"), (Appeal.reason, "reason"),
         (Appeal.outcome, "outcome"), (Appeal.reopen_count, "reopen_count"), (Appeal.escalations, "escalations"),
         (Appeal.duplicate_of, "duplicate_of_id"))
SWEPT_NAMES = tuple(name for _field, name in SWEPT) + ("holder_parent",)


def _escalate_overdue(ids, at):
    """One batch of the sweep, in one transaction; returns how many appeals it moved."""
    from audit import log as audit_log
    from portal.core.auditing import actor_name
    reason = clean_text(SWEEP_NOTE, "note", "吹哨理由", MAX_TEXT, required=True)
    with transaction(lock=True):
        query = (Appeal.select(*[field for field, _name in SWEPT], Unit.parent)
                 .join(Unit, on=(Appeal.holder == Unit.code))
                 .where(Appeal.id.in_(id_list(ids)) & Appeal.state.in_(list(HANDLING)) & (Appeal.due_at < at) &
                        (Unit.level != "county") & Unit.parent.is_null(False)).order_by(Appeal.id))
        if is_postgres():
            query = query.for_update(of=Appeal)  # lock the appeals only
        # the driver's rows, not models: none of these columns needs peewee's conversion but the flag
        # (0/1 on SQLite; the payload seals a boolean)
        rows = [types.SimpleNamespace(**dict(zip(SWEPT_NAMES, values))) for values in database.execute(query).fetchall()]
        if not rows:
            return 0
        stamp, step_at, due_at = utcnow(), now(), limits.escalation_due(at)
        # No tally moves: each appeal leaves a handling state for "escalated", and ``tally.contribution``
        # reads the state only to tell not accepted, fixed and closed_unfixed, none of which either is; the
        # times it reads are not touched (test_the_sweep_leaves_the_tallies_a_rebuild_gives).
        for row in rows:
            row.urgent = bool(row.urgent)
            row.holder_id, row.department, row.escalations = row.holder_parent, "", row.escalations + 1
            row.due_at, row.reason, row.state, row.updated_at = due_at, reason, "escalated", stamp
        system = actor_name(SYSTEM)
        masked_reason = mask(reason)  # the same reason for every appeal of the sweep: masked once
        entries = audit_log.append_many([{"actor": system, "action": "appeal.escalate", "object_type": "appeal",
                                          "object_id": str(row.id), "payload": audit_payload(row, masked_reason)}
                                         for row in rows])
        for row, entry in zip(rows, entries):
            row.audit_index = entry.index
        # Each row written once with its own holder, count and audit entry: one statement prepared
        # for the batch (raw, as the audit log's rows; peewee would build a statement per row).
        set_columns = ", ".join(f"{field.column_name} = {database.param}" for field in (
            Appeal.holder, Appeal.department, Appeal.escalations, Appeal.due_at, Appeal.reason, Appeal.state,
            Appeal.updated_at, Appeal.audit_index))
        database.cursor().executemany(
            f"UPDATE {Appeal._meta.table_name} SET {set_columns} WHERE id = {database.param}",
            [(row.holder_id, "", row.escalations, due_at, reason, "escalated", stamp, row.audit_index, row.id)
             for row in rows])
        columns = ("appeal_id", "action", "state", "unit_id", "department", "note", "at", "audit_index")
        database.cursor().executemany(  # a timeline line each; raw, as the audit log's own rows
            f"INSERT INTO {AppealStep._meta.table_name} ({', '.join(columns)}) VALUES "
            f"({', '.join([database.param] * len(columns))})",
            [(row.id, "escalate", "escalated", row.holder_id, "", reason, step_at, row.audit_index) for row in rows])
        events.emit_many("public.changed", [{"doc_type": APPEAL.name, "object_id": str(row.id),
                                              "audit_index": row.audit_index} for row in rows])
    return len(rows)


# -- reading -----------------------------------------------------------------------------

def is_overdue(row, at=None):
    return row.state in ("submitted",) + HANDLING and row.due_at < (at or now())


def category_name(key):
    return limits.CATEGORIES.get(key, (key,))[0]


def timeline(row):
    return [{"action": s.action, "state": s.state, "state_name": STATES.get(s.state), "at": iso(s.at),
             "unit": s.unit.name if s.unit else None, "department": s.department, "note": mask(s.note),
             "audit_index": s.audit_index}
            for s in AppealStep.select().where(AppealStep.appeal == row).order_by(AppealStep.id)]


def photo_urls(row, kind):
    return [url_for("appeals.photo", photo_id=p.id, _external=True)
            for p in AppealPhoto.select(AppealPhoto.id).where((AppealPhoto.appeal == row) & (AppealPhoto.kind == kind))
            .order_by(AppealPhoto.id)]


def public_view(row, now=None):
    """The public timeline: states, dates, units and replies — never the filer, phone or exact place."""
    return {
        "id": row.id, "status": row.state, "state": row.state, "status_name": STATES[row.state],
        "category": row.category, "category_name": category_name(row.category), "urgent": row.urgent,
        "village": row.village_id, "village_name": row.village.name,
        "grid": row.grid_id, "grid_name": row.grid.name if row.grid else None,
        "holder": {"code": row.holder_id, "name": row.holder.name, "level": row.holder.level},
        "department": row.department, "text": mask(row.text), "reply": mask(row.reply), "outcome": row.outcome or None,
        "reason": mask(row.reason), "duplicate_of": row.duplicate_of_id, "filed_by_agent": row.agent_id is not None,
        "filed_at": iso(row.created_at), "due_at": iso(row.due_at), "overdue": is_overdue(row, now),
        "reopen_count": row.reopen_count, "escalations": row.escalations,
        "photos": photo_urls(row, "filing"), "result_photos": photo_urls(row, "result"),
        "ratings": [{"satisfied": r.satisfied, "comment": mask(r.comment), "at": iso(r.at)}
                    for r in AppealRating.select().where(AppealRating.appeal == row).order_by(AppealRating.id)],
        "timeline": timeline(row), "audit_index": row.audit_index, "updated_at": iso(row.updated_at),
        "url": url_for("appeals.detail", appeal_id=row.id, _external=True),
    }


def get(appeal_id):
    return records.get_row(APPEAL, appeal_id)


def bigrams(text):
    text = "".join(ch for ch in (text or "") if ch.isalnum())
    return {text[i:i + 2] for i in range(len(text) - 1)}


def similar(village_code, grid_code, text, limit=3):
    """Open appeals in the same grid (or village) that read alike: shown before a new one is filed."""
    words = bigrams(text)
    if len(words) < 2:
        return []
    query = Appeal.select().where(Appeal.state.in_(list(OPEN) + ["replied"]) &
                                  (Appeal.created_at > now() - datetime.timedelta(days=180)))
    query = query.where(Appeal.grid == grid_code) if grid_code else query.where(Appeal.village == village_code)
    scored = []
    for row in query.order_by(Appeal.id.desc()).limit(300):
        other = bigrams(row.text)
        score = len(words & other) / max(1, len(words | other))
        if score >= 0.15:
            scored.append((score, row))
    scored.sort(key=lambda pair: -pair[0])
    return [row for _score, row in scored[:limit]]


def holders_for(user):
    """The appeals a handler holds (his unit and below), soonest deadline first."""
    if user.unit is None:
        return Appeal.select().where(Appeal.state.in_(list(OPEN) + ["replied"])).order_by(Appeal.due_at)
    return (Appeal.select().join(Unit, on=(Appeal.holder == Unit.code))
            .where(Unit.path.startswith(user.unit.path) & Appeal.state.in_(list(OPEN) + ["replied"]))
            .order_by(Appeal.due_at))
