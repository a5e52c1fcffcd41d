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


def _live_now(limit):
    from flask import url_for

    from portal.meetings.models import Meeting
    rows = Meeting.select().where(Meeting.status == "live").order_by(Meeting.started_at.desc()).limit(limit)
    return [{"title": m.title, "url": url_for("meetings.watch", meeting_id=m.id),
             "meta": f"{m.village.name} · {m.place}"} for m in rows]


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
    from portal.meetings import links, schedule
    app.add_template_global(links.shown, "meeting_link")
    app.add_template_global(schedule.start_note, "meeting_start_note")
    live = Hub(socketio, deployment_tag(app.config["DATABASE_URL"]),
               app.config.get("SOCKETIO_MESSAGE_QUEUE"), on_count=record_peak)
    app.extensions["live_hub"] = hub.default = live
    sockets.register(socketio)
    from portal.home import workspace as home_workspace
    from portal.meetings import workspace
    home_workspace.register(app, workspace.panels)
    sections.register("meetings", _village_section, "meetings.village_list")
    sections.register_home("meetings", _live_now)
    _register_audit_sources()
    from portal.auditlog.views import register_describer
    from portal.meetings.views import describe_entry
    register_describer(app, "meeting", describe_entry)
    register_describer(app, "meeting_item", describe_entry)
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
