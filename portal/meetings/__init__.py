"""Live meeting broadcasts (议事直播): meetings, their numbered items, questions, archive and replay."""
import os

from portal.core import permissions
from portal.core.clock import local_text

def _village_section(village):
    from flask import url_for
    from flask_babel import gettext as _

    from portal.meetings.services import meetings_of
    upcoming, live, past = meetings_of(village)
    out = []
    for meeting in live + upcoming + past:
        when = local_text(meeting.starts_at)
        out.append({"title": f"【{_(meeting.status_name)}】{meeting.title}",
                    "url": url_for("meetings.watch", meeting_id=meeting.id),
                    "meta": f"{_(meeting.kind_name)} · {when} · {meeting.place}"})
    return out


def setup(app):
    from portal.extensions import socketio
    from portal.home import sections
    from portal.meetings import sockets
    from portal.meetings import hub
    from portal.meetings.hub import Hub, deployment_tag
    from portal.meetings.services import record_peak

    permissions.register({
        "meeting.create": {"clerk", "admin"},
        "meeting.host": {"clerk", "admin"},
        "meeting.ask": {"resident", "clerk", "supervisor", "handler", "inspector", "admin"},
    })
    app.config.setdefault("LIVE_QUESTION_INTERVAL", int(os.environ.get("PORTAL_LIVE_QUESTION_INTERVAL", "20")))
    app.add_template_filter(local_text, "meeting_time")
    live = Hub(socketio, deployment_tag(app.config["DATABASE_URL"]),
               app.config.get("SOCKETIO_MESSAGE_QUEUE"), on_count=record_peak)
    app.extensions["live_hub"] = hub.default = live
    sockets.register(socketio)
    sections.register("meetings", _village_section, "meetings.village_list")
    _register_audit_sources()
    from portal.meetings import search_source
    from portal.search import register_source
    register_source("meeting", search_source.iter_documents, search_source.document_for)


def _register_audit_sources():
    from portal.auditlog import register_source
    from portal.meetings import archive
    from portal.meetings.models import Meeting, MeetingItem
    from portal.meetings.services import sealed_item

    def item_source(entry):
        meeting_id, _, seq = entry.object_id.partition(":")
        item = MeetingItem.get_or_none((MeetingItem.meeting == int(meeting_id)) & (MeetingItem.seq == int(seq)))
        if item is None:
            raise LookupError(entry.object_id)
        return sealed_item(item.meeting_id, item.seq, item.kind, item.data, item.at)

    def meeting_source(entry):
        if entry.action != "meeting.archive":
            return None  # the scheduling entry describes a state the meeting has since left
        meeting = Meeting.get_or_none(Meeting.id == int(entry.object_id))
        if meeting is None:
            raise LookupError(entry.object_id)
        return archive.archive_record(meeting)

    register_source("meeting_item", item_source)
    register_source("meeting", meeting_source)
