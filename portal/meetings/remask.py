"""Re-masking a meeting's stored public text (see portal.core.redaction).

A broadcast is masked as it is sent: the meeting's title and place, its agenda,
every item's text (transcript lines, motions, notices, captions, approved
questions) and the questions themselves are stored masked. Each is masked
again with today's detector. The archive the meeting sealed when it ended is
re-derived from those rows, so its ``items_sha256`` (a digest over every item)
changes with them: the redaction names it as re-hashed, and each item it covers
is checked through its own entry. ``archive_sha256`` on the row follows.
"""
from audit.redaction import mask_value
from portal.core import events
from portal.core.db import for_update
from portal.core.personal_data import could_hold_personal_data, mask
from portal.meetings.archive import archive_record, sha256_of
from portal.meetings.models import AgendaItem, Meeting, MeetingItem, Question

REHASHED = {"meeting": ("items_sha256",)}  # digests over items the redaction re-masked


def _stale_text(value):
    return could_hold_personal_data(value) and mask(value) != value


def _stale_data(data):
    return mask_value(data, mask) != data


def _stale(meeting_id):
    """(meeting columns, agenda rows, item rows, question rows) of meeting ``meeting_id`` to re-mask."""
    meeting = Meeting.get_by_id(meeting_id)
    columns = [c for c in ("title", "place") if _stale_text(getattr(meeting, c))]
    agenda = [a for a in AgendaItem.select().where(AgendaItem.meeting == meeting_id) if _stale_text(a.title)]
    items = [i for i in MeetingItem.select().where(MeetingItem.meeting == meeting_id) if _stale_data(i.data)]
    questions = [q for q in Question.select().where(Question.meeting == meeting_id) if _stale_text(q.text)]
    return columns, agenda, items, questions


def candidates():
    return [m.id for m in Meeting.select(Meeting.id).order_by(Meeting.id) if any(_stale(m.id))]


def remask(meeting_id):
    """Rewrite meeting ``meeting_id``'s stale public text; ``(row fields changed, its audit objects)``."""
    meeting = for_update(Meeting.select().where(Meeting.id == meeting_id)).get()
    columns, agenda, items, questions = _stale(meeting_id)
    changed = [f"meeting.{c}" for c in columns]
    for column in columns:
        setattr(meeting, column, mask(getattr(meeting, column)))
    for row in agenda:
        AgendaItem.update(title=mask(row.title)).where(AgendaItem.id == row.id).execute()
    for row in items:
        MeetingItem.update(data=mask_value(row.data, mask)).where(MeetingItem.id == row.id).execute()
    for row in questions:
        Question.update(text=mask(row.text)).where(Question.id == row.id).execute()
    changed += [name for name, rows in (("agenda_item.title", agenda), ("meeting_item.data", items),
                                        ("question.text", questions)) if rows]
    if meeting.archive_audit_index is not None and changed:
        meeting.archive_sha256 = sha256_of(archive_record(meeting))
        changed.append("meeting.archive_sha256")
    if changed:
        meeting.save()
        events.emit("public.changed", doc_type="meeting", object_id=str(meeting.id),
                    audit_index=meeting.archive_audit_index)
    objects = [("meeting", meeting.id)] + [("meeting_item", f"{meeting.id}:{seq}") for (seq,) in
                                            MeetingItem.select(MeetingItem.seq).where(MeetingItem.meeting == meeting.id)
                                            .order_by(MeetingItem.seq).tuples()]
    return sorted(set(changed)), objects
