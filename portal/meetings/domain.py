"""Live meetings' declaration (see portal.core.domain)."""
import os

from flask import url_for
from flask_babel import gettext as _

from portal.core.clock import local_text
from portal.core.domain import Domain, Remasker, SearchSource, Section
from portal.core.extensions import socketio
from portal.auditlog.views import register_describer
from portal.home import sections, workspace as home_workspace
from portal.meetings import api, archive, demo, links, openapi_paths, schedule, search_source, sockets, views
from portal.meetings import remask, workspace
from portal.meetings.hub import Hub, deployment_tag
from portal.core.records import RecordType
from portal.meetings.models import MODELS, STATUSES, Meeting, MeetingItem
from portal.units.models import Unit
from portal.meetings.payloads import sealed_item
from portal.meetings.services import meetings_of, record_peak
from portal.meetings import figures as meeting_figures


def _village_section(village):
    upcoming, live, past = meetings_of(village)
    out = []
    for meeting in live + upcoming + past:
        when = local_text(meeting.starts_at)
        out.append({"title": f"【{_(meeting.status_name)}】{meeting.title}",
                    "url": url_for("meetings.watch", meeting_id=meeting.id),
                    "meta": f"{_(meeting.kind_name)} · {when} · {meeting.place}"})
    return out


def _item_source(entry):
    meeting_id, _sep, seq = entry.object_id.partition(":")
    item = MeetingItem.get_or_none((MeetingItem.meeting == int(meeting_id)) & (MeetingItem.seq == int(seq)))
    if item is None:
        raise LookupError(entry.object_id)
    return sealed_item(item.meeting_id, item.seq, item.kind, item.data, item.at)


def _meeting_source(entry):
    if entry.action != "meeting.archive":
        return None  # the scheduling entry describes a state the meeting has since left
    meeting = Meeting.get_or_none(Meeting.id == int(entry.object_id))
    if meeting is None:
        raise LookupError(entry.object_id)
    return archive.archive_record(meeting)


def setup(app):
    app.config.setdefault("LIVE_QUESTION_INTERVAL", int(os.environ.get("PORTAL_LIVE_QUESTION_INTERVAL", "20")))
    app.add_template_filter(local_text, "meeting_time")
    app.extensions["live_hub"] = Hub(socketio, deployment_tag(app.config["DATABASE_URL"]),
                                     app.config.get("SOCKETIO_MESSAGE_QUEUE"), on_count=record_peak)
    sockets.register(socketio)
    app.add_template_global(links.shown, "meeting_link")
    app.add_template_global(schedule.start_note, "meeting_start_note")
    sections.register_home(app, "meetings", _live_now)
    home_workspace.register(app, workspace.panels)
    register_describer(app, "meeting", views.describe_entry)
    register_describer(app, "meeting_item", views.describe_entry)


def _live_now(limit):
    rows = Meeting.select().where(Meeting.status == "live").order_by(Meeting.started_at.desc()).limit(limit)
    return [{"title": m.title, "url": url_for("meetings.watch", meeting_id=m.id),
             "meta": f"{m.village.name} · {m.place}"} for m in rows]


# Meetings as a record type of their own pages (generic=False): other domains name them through the
# record registry (the inspectors' follow-ups, red flags); their lifecycle stays in services and hub.
MEETING = RecordType(
    name="meeting", label="议事会议", model=Meeting, states=STATUSES, state_field="status",
    public_states=tuple(STATUSES), transitions=[], unit_of=lambda m: m.village,
    find_unit=lambda code: Unit.find(code, "village"), public_fields=(), generic=False,
    title_of=lambda m: m.title, url_of=lambda meeting_id: f"/meetings/{meeting_id}")


DOMAIN = Domain(
    name="meetings", record_types=[MEETING], models=MODELS, blueprints=[views.bp], api_blueprints=[api.bp],
    openapi_paths=openapi_paths.PATHS, openapi_schemas=openapi_paths.SCHEMAS,
    actions={
        "meeting.create": {"clerk", "admin"},
        "meeting.host": {"clerk", "admin"},
        "meeting.ask": {"resident", "clerk", "supervisor", "handler", "inspector", "admin"},
    },
    sections=[Section("meetings", _village_section, "meetings.village_list")],
    audit_sources={"meeting_item": _item_source, "meeting": _meeting_source},
    search_sources=[SearchSource("meeting", search_source.iter_documents, search_source.document_for)],
    demo=demo.load, demo_order=20, setup=setup,
    public=("portal.meetings.services", "portal.meetings.links"),
    figures=meeting_figures.FIGURES, exports=meeting_figures.EXPORTS,
    remaskers=[Remasker("meeting", remask.candidates, remask.remask, entry_types=("meeting", "meeting_item"),
                        rehashed=remask.REHASHED)],
)
