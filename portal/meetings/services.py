"""The only writer of meetings, their broadcast items and questions.

Each write is one transaction holding the rows and their audit entry; only
after commit is anything broadcast (``hub.publish``) or announced
(``events.emit``), so no viewer ever sees an item the log does not hold.
"""
import datetime

from flask import current_app

from portal.core import events
from portal.accounts.models import User
from portal.auditlog import record
from portal.core.clock import iso, parse_datetime, utcnow
from portal.core.db import connection, on_commit, transaction
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from portal.core.i18n import N_
from portal.meetings import kinds
from portal.meetings.kinds import masked_text as _text
from portal.meetings.archive import archive_record, publish_archive, sha256_of
from portal.meetings.payloads import item_payload, sealed_item
from portal.meetings.schedule import offset_minutes
from portal.meetings.models import KINDS, STEPS, AgendaItem, Meeting, MeetingItem, Question
from portal.core.permissions import can, require
from portal.units.models import Unit

MAX_AGENDA = 30
MAX_LINKS = 20
QUESTION_MAX_PENDING = 5


def hub():
    """The app's hub (every caller runs in an app context: requests, sockets, CLI, demo)."""
    return current_app.extensions["live_hub"]


def get_meeting(meeting_id):
    if isinstance(meeting_id, bool) or not isinstance(meeting_id, int) or not 0 < meeting_id < 2**31:
        raise NotFound("unknown_meeting", "找不到该会议。")
    meeting = Meeting.get_or_none(Meeting.id == meeting_id)
    if meeting is None:
        raise NotFound("unknown_meeting", "找不到该会议。")
    return meeting


def may_post(user, meeting):
    """Only the meeting's host, or an admin, posts to its broadcast."""
    if not can(user, "meeting.host", meeting.village):
        return False
    return user.role == "admin" or user.id == meeting.host_id


def _require_host(user, meeting):
    if not may_post(user, meeting):
        raise PermissionDenied("not_host", "只有本场会议的主持人可以操作。")


def _agenda(rows):
    if not isinstance(rows, list) or not rows:
        raise ValidationError("missing_agenda", "请至少填写一项议程。")
    if len(rows) > MAX_AGENDA:
        raise ValidationError("bad_agenda", "议程不超过%(limit)s项。", limit=MAX_AGENDA)
    out = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("step"), str) or row["step"] not in STEPS:
            raise ValidationError("bad_agenda", "每项议程须注明五步议事中的一步：%(steps)s。",
                                  steps=list(STEPS.values()))
        out.append((row["step"], _text(row.get("title"), "agenda", "议程内容", 200)))
    return out


def _links(rows):
    if rows is None:
        return []
    if not isinstance(rows, list) or len(rows) > MAX_LINKS:
        raise ValidationError("bad_links", "关联记录须为列表，不超过%(limit)s项。", limit=MAX_LINKS)
    out = []
    for row in rows:
        if not isinstance(row, dict):
            raise ValidationError("bad_links", "关联记录格式不对。")
        out.append({"type": _text(row.get("type"), "links", "关联记录类型", 32),
                    "id": _text(str(row.get("id", "")), "links", "关联记录编号", 64),
                    "title": _text(row.get("title"), "links", "关联记录标题", 120, required=False)})
    return out


def meeting_public(meeting):
    """What anyone may see of a meeting (also the audited payload of its creation)."""
    return {
        "id": meeting.id, "village": meeting.village_id, "title": meeting.title, "kind": meeting.kind,
        "kind_name": meeting.kind_name, "starts_at": iso(meeting.starts_at), "place": meeting.place,
        "host": meeting.host.display_name, "status": meeting.status, "links": meeting.links,
        "agenda": [{"index": a.position, "step": a.step, "step_name": a.step_name, "title": a.title}
                   for a in meeting.agenda.order_by(AgendaItem.position)],
        "last_seq": meeting.last_seq, "peak_viewers": meeting.peak_viewers,
        "started_at": iso(meeting.started_at), "ended_at": iso(meeting.ended_at),
        "archive_audit_index": meeting.archive_audit_index, "publication_id": meeting.publication_id,
    }


def create_meeting(actor, village_code, title, kind, starts_at, place, agenda, host_username=None, links=None):
    """Schedule a meeting in a village; the actor hosts it unless another host is named."""
    village = Unit.find(village_code, "village")
    if village is None:
        raise ValidationError("bad_village", "村/社区不存在。")
    require(actor, "meeting.create", village)
    title = _text(title, "title", "会议名称", 120)
    place = _text(place, "place", "地点", 120)
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValidationError("bad_kind", "会议类型必须是：%(kinds)s。", kinds=list(KINDS.values()))
    when = parse_datetime(starts_at, "starts_at", "开始时间")
    agenda_rows = _agenda(agenda)
    link_rows = _links(links)
    host = actor
    if host_username:
        host = User.get_or_none(User.username == str(host_username))
        if host is None or not can(host, "meeting.host", village):
            raise ValidationError("bad_host", "主持人须是本村的村务发布员。")
    with transaction():
        meeting = Meeting.create(village=village, title=title, kind=kind, starts_at=when, place=place,
                                 host=host, links=link_rows)
        for position, (step, text) in enumerate(agenda_rows):
            AgendaItem.create(meeting=meeting, position=position, step=step, title=text)
        entry = record(actor, "meeting.create", "meeting", str(meeting.id), meeting_public(meeting))
        events.emit("public.changed", doc_type="meeting", object_id=str(meeting.id), audit_index=entry.index)
    return meeting


def _append_item(actor, meeting, kind, data, files=()):
    """Take the next number and store the item with its audit entry (inside a transaction)."""
    taken = (Meeting.update(last_seq=Meeting.last_seq + 1)
             .where((Meeting.id == meeting.id) & (Meeting.status == "live")).execute())
    if not taken:
        raise Conflict("not_live", "会议不在直播中。")
    seq = Meeting.select(Meeting.last_seq).where(Meeting.id == meeting.id).scalar()
    at = utcnow()
    payload = sealed_item(meeting.id, seq, kind, data, at)
    entry = record(actor, "meeting.item", "meeting_item", f"{meeting.id}:{seq}", payload, files)
    item = MeetingItem.create(meeting=meeting, seq=seq, kind=kind, data=data, at=at, actor=actor,
                              audit_index=entry.index)
    meeting.last_seq = seq
    live = hub()
    on_commit(lambda: live.publish("item", item.meeting_id, item_payload(item)))
    return item


def start_meeting(actor, meeting):
    """Go live: the broadcast's first item says so."""
    _require_host(actor, meeting)
    with hub().posting(meeting.id):
        with transaction():
            started = (Meeting.update(status="live", started_at=utcnow())
                       .where((Meeting.id == meeting.id) & (Meeting.status == "scheduled")).execute())
            if not started:
                raise Conflict("not_scheduled", "会议已经开始或已结束。")
            meeting.status = "live"
            meeting.started_at = Meeting.get_by_id(meeting.id).started_at
            item = _append_item(actor, meeting, "status", {
                "status": "live", "status_name": N_("直播开始"),
                "late_by_minutes": offset_minutes(meeting.starts_at, meeting.started_at)})
            events.emit("public.changed", doc_type="meeting", object_id=str(meeting.id), audit_index=item.audit_index)
    return item


def post_item(actor, meeting, kind, data):
    """A host's post: checked, numbered, committed and audited, then broadcast."""
    _require_host(actor, meeting)
    clean = kinds.clean(kind, data, meeting)
    files = ()
    if kind == "photo":
        from portal.meetings.photos import require_photo
        require_photo(meeting, clean["sha256"])
        files = (clean["sha256"],)
    with hub().posting(meeting.id):
        with transaction():
            item = _append_item(actor, meeting, kind, clean, files)
            if kind == "agenda":
                Meeting.update(current_agenda=clean["index"]).where(Meeting.id == meeting.id).execute()
    return item_payload(item)


def post_photo(actor, meeting, data, caption=""):
    """Store an uploaded photo and broadcast it as a ``photo`` item."""
    from portal.meetings.photos import store_photo
    _require_host(actor, meeting)
    photo = store_photo(meeting, data)
    return post_item(actor, meeting, "photo", {"sha256": photo.sha256, "caption": caption or ""})


def mask_name(name):
    """Askers are shown as 张** so a question never exposes a resident's full name."""
    name = (name or "").strip() or "村民"
    return name[0] + "**"


def question_payload(question):
    return {"id": question.id, "meeting": question.meeting_id, "text": question.text,
            "asker": mask_name(question.author.display_name), "status": question.status,
            "asked_at": iso(question.asked_at)}


def ask_question(actor, meeting, text):
    """A signed-in viewer's question, held for the host; at most one per interval per viewer."""
    if not can(actor, "meeting.ask"):
        raise PermissionDenied("login_required", "请先登录再提问。")
    text = _text(text, "text", "问题", 500)
    if meeting.status != "live":
        raise Conflict("not_live", "会议不在直播中，不能提问。")
    interval = current_app.config.get("LIVE_QUESTION_INTERVAL", 20)
    since = utcnow() - datetime.timedelta(seconds=interval)
    with transaction():
        mine = Question.select().where((Question.meeting == meeting) & (Question.author == actor))
        if mine.where(Question.asked_at >= since).exists():
            raise ValidationError("rate_limited", "提问太频繁，请%(seconds)s秒后再试。", 429, seconds=interval)
        if mine.where(Question.status == "pending").count() >= QUESTION_MAX_PENDING:
            raise ValidationError("rate_limited", "您还有问题在等待主持人处理，请稍后再问。", 429)
        question = Question.create(meeting=meeting, author=actor, text=text)
    hub().publish("question_pending", meeting.id, question_payload(question))
    return question


def moderate_question(actor, meeting, question_id, action):
    """The host approves (it is broadcast to everyone, audited) or hides a pending question."""
    _require_host(actor, meeting)
    if not isinstance(action, str) or action not in ("approve", "hide"):
        raise ValidationError("bad_action", "操作必须是 approve 或 hide。")
    if isinstance(question_id, bool) or not isinstance(question_id, int):
        raise ValidationError("bad_question", "问题编号不对。")
    question = Question.get_or_none((Question.id == question_id) & (Question.meeting == meeting))
    if question is None:
        raise NotFound("unknown_question", "找不到该问题。")
    with hub().posting(meeting.id):
        with transaction():
            decided = (Question.update(status="approved" if action == "approve" else "hidden",
                                       decided_at=utcnow())
                       .where((Question.id == question.id) & (Question.status == "pending")).execute())
            if not decided:
                raise Conflict("already_moderated", "该问题已处理。")
            question.status = "approved" if action == "approve" else "hidden"
            item = None
            if action == "approve":
                public = question_payload(question)
                item = _append_item(actor, meeting, "question",
                                    {"id": question.id, "text": question.text, "asker": public["asker"]})
                Question.update(item_seq=item.seq).where(Question.id == question.id).execute()
                question.item_seq = item.seq
    hub().publish("question_moderated", meeting.id, {"id": question.id, "status": question.status})
    return question


def pending_questions(meeting):
    return [question_payload(q) for q in
            meeting.questions.where(Question.status == "pending").order_by(Question.id)]


def items_after(meeting, after=0, limit=500):
    query = (MeetingItem.select().where((MeetingItem.meeting == meeting) & (MeetingItem.seq > after))
             .order_by(MeetingItem.seq).limit(limit))
    return [item_payload(i) for i in query]


def iter_backlog(meeting_id, after, page=500):
    """Every committed item after ``after``, paged so a long meeting never loads at once."""
    while True:
        batch = (MeetingItem.select().where((MeetingItem.meeting == meeting_id) & (MeetingItem.seq > after))
                 .order_by(MeetingItem.seq).limit(page))
        rows = [item_payload(i) for i in batch]
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1]["seq"]


def end_meeting(actor, meeting):
    """End the broadcast and seal its whole record in the audit log, then publish it."""
    _require_host(actor, meeting)
    record_peak(meeting.id, max(hub().peak(meeting.id), hub().viewers(meeting.id)))
    with hub().posting(meeting.id):
        with transaction():
            item = _append_item(actor, meeting, "status", {"status": "ended", "status_name": N_("会议结束")})
            Meeting.update(status="ended", ended_at=item.at).where(Meeting.id == meeting.id).execute()
            meeting = Meeting.get_by_id(meeting.id)
            record_json = archive_record(meeting)
            entry = record(actor, "meeting.archive", "meeting", str(meeting.id), record_json)
            Meeting.update(archive_audit_index=entry.index, archive_sha256=sha256_of(record_json)).where(
                Meeting.id == meeting.id).execute()
            events.emit("public.changed", doc_type="meeting", object_id=str(meeting.id), audit_index=entry.index)
    publish_archive(actor, Meeting.get_by_id(meeting.id), record_json)
    return Meeting.get_by_id(meeting.id)


def record_peak(meeting_id, total):
    """Keep the most viewers seen at once (from the viewer counter's tick, and at the end).

    A write like any other: in ``transaction()``, so on SQLite it queues behind the process's other writers
    instead of waiting in SQLite's busy handler (where, under load, it timed out: "database is locked")."""
    with connection(), transaction():
        (Meeting.update(peak_viewers=total)
         .where((Meeting.id == meeting_id) & (Meeting.peak_viewers < total) & (Meeting.status == "live"))
         .execute())


def meetings_of(village):
    """(upcoming, live, past) for a village page."""
    rows = list(Meeting.select().where(Meeting.village == village).order_by(Meeting.starts_at.desc()))
    live = [m for m in rows if m.status == "live"]
    upcoming = sorted((m for m in rows if m.status == "scheduled"), key=lambda m: m.starts_at)
    past = [m for m in rows if m.status == "ended"]
    return upcoming, live, past
