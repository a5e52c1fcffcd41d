"""Meeting pages: the village's list, scheduling, the viewer's live page, the host console, replay."""
import datetime

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.core.errors import PortalError
from portal.core.forms import Done, submit
from portal.core.i18n import N_
from portal.meetings import links, services
from portal.meetings.forms import ActionForm, MeetingForm, PhotoForm
from portal.meetings.kinds import POSTABLE, kind_name
from portal.meetings.models import STEPS, AgendaItem, Meeting, MeetingItem
from portal.meetings.photos import MAX_PHOTO_BYTES, find_photo, photo_path
from portal.core.permissions import can
from portal.meetings.figures import ended_in
from portal.units.models import Unit
from portal.units.views import area_or_404, village_or_404

bp = Blueprint("meetings", __name__)


def _meeting(meeting_id):
    try:
        return services.get_meeting(meeting_id)
    except PortalError:
        abort(404)


def _hosted(meeting_id):
    """The meeting if the signed-in user hosts it (or is an admin), else 403."""
    meeting = _meeting(meeting_id)
    if not services.may_post(current_user, meeting):
        abort(403)
    return meeting


@bp.get("/v/<code>/meetings")
def village_list(code):
    """A village's meetings: live now, upcoming, past (with replay)."""
    village = village_or_404(code)
    upcoming, live, past = services.meetings_of(village)
    return render_template("meetings/list.html", village=village, upcoming=upcoming, live=live, past=past,
                           may_create=can(current_user, "meeting.create", village))


@bp.get("/t/<code>/meetings")
def area_list(code):
    """A township's or the county's ended meetings, newest first, with each one's peak of viewers: what
    已举行会议 and 观看人数 count (``figures.held`` / ``viewers``); 404 for any other code."""
    unit = area_or_404(code)
    villages = {u.code: u for u in Unit.select().where(Unit.code.in_(unit.village_codes()))}
    rows = list(ended_in(list(villages)).order_by(Meeting.starts_at.desc(), Meeting.id.desc()))
    return render_template("meetings/area_list.html", unit=unit, villages=villages, rows=rows,
                           viewers=sum(m.peak_viewers for m in rows))


def _agenda_from(form):
    rows = []
    for step in STEPS:
        for line in (getattr(form, f"agenda_{step}").data or "").splitlines():
            if line.strip():
                rows.append({"step": step, "title": line.strip()})
    return rows


@bp.route("/v/<code>/meetings/new", methods=["GET", "POST"])
@login_required
def new(code):
    """Schedule a meeting (clerk of the village); bad input re-shows the form with the reason."""
    village = village_or_404(code)
    if not can(current_user, "meeting.create", village):
        abort(403)
    form = MeetingForm()
    form.links.choices = links.choices_for(village)

    def write():
        meeting = services.create_meeting(
            current_user, village.code, form.title.data, form.kind.data,
            form.starts_at.data, form.place.data, _agenda_from(form), None, links.rows_from(form.links.data, form.links.choices))
        return Done(_("会议已安排。"), url_for("meetings.console", meeting_id=meeting.id))

    done, status = submit(form, write)
    if done:
        return done
    return render_template("meetings/new.html", village=village, form=form, steps=STEPS), status


@bp.get("/meetings/<int:meeting_id>")
def watch(meeting_id):
    """The viewer's page: live items arrive over Socket.IO; an ended meeting links to its replay."""
    meeting = _meeting(meeting_id)
    agenda = list(meeting.agenda.order_by(AgendaItem.position))
    return render_template("meetings/watch.html", meeting=meeting, agenda=agenda,
                           is_host=current_user.is_authenticated and services.may_post(current_user, meeting))


@bp.get("/meetings/<int:meeting_id>/console")
@login_required
def console(meeting_id):
    """The host's phone console: start/end, post every kind of item, moderate questions."""
    meeting = _hosted(meeting_id)
    agenda = list(meeting.agenda.order_by(AgendaItem.position))
    return render_template("meetings/console.html", meeting=meeting, agenda=agenda, kinds=POSTABLE,
                           action_form=ActionForm(), photo_form=PhotoForm(), max_photo=MAX_PHOTO_BYTES)


def _host_action(meeting_id, action, done):
    meeting = _hosted(meeting_id)
    console_url = url_for("meetings.console", meeting_id=meeting.id)

    def write():
        action(current_user, meeting)
        return _(done)

    return submit(ActionForm(), write, console_url, console_url)[0]


@bp.post("/meetings/<int:meeting_id>/start")
@login_required
def start(meeting_id):
    """Go live, then back to the console."""
    return _host_action(meeting_id, services.start_meeting, N_("直播已开始。"))


@bp.post("/meetings/<int:meeting_id>/end")
@login_required
def end(meeting_id):
    """End and archive, then back to the console (which links to the replay)."""
    return _host_action(meeting_id, services.end_meeting, N_("会议已结束，记录已归档。"))


@bp.post("/meetings/<int:meeting_id>/photo")
@login_required
def photo(meeting_id):
    """Upload a photo from the console; it is broadcast as an item."""
    meeting = _hosted(meeting_id)
    form = PhotoForm()
    upload = request.files.get("photo")
    console_url = url_for("meetings.console", meeting_id=meeting.id)

    def write():
        data = upload.read(MAX_PHOTO_BYTES + 1) if upload else b""
        services.post_photo(current_user, meeting, data, form.caption.data or "")
        return _("照片已发布。")

    return submit(form, write, console_url, console_url)[0]


@bp.get("/meetings/<int:meeting_id>/photos/<sha>")
def photo_file(meeting_id, sha):
    """A meeting photo by its hash (immutable, so cached for long)."""
    if len(sha) != 64:
        abort(404)
    try:
        stored = find_photo(meeting_id, sha.lower())
    except PortalError:
        abort(404)
    return send_file(photo_path(stored), mimetype=stored.content_type, max_age=365 * 24 * 3600)


@bp.get("/meetings/<int:meeting_id>/replay")
def replay(meeting_id):
    """The archived record, played back in order with its timing (JS); the full list without JS."""
    meeting = _meeting(meeting_id)
    if meeting.status != "ended":
        return redirect(url_for("meetings.watch", meeting_id=meeting.id))
    items = list(meeting.items.order_by(MeetingItem.seq))
    start = items[0].at if items else meeting.started_at
    offsets = [max(0.0, (i.at - start).total_seconds()) if isinstance(i.at, datetime.datetime) else 0.0
               for i in items]
    agenda = list(meeting.agenda.order_by(AgendaItem.position))
    return render_template("meetings/replay.html", meeting=meeting, agenda=agenda,
                           items=list(zip(items, offsets)), kind_name=kind_name)


def describe_entry(entry):
    """The audit page's words for a meeting or one of its broadcast items: its village and meeting."""
    meeting = Meeting.get_or_none(Meeting.id == int(entry.object_id.partition(":")[0]))
    if meeting is None:
        return None
    return {"village": meeting.village, "title": _("会议《%(title)s》", title=meeting.title),
            "url": url_for("meetings.watch", meeting_id=meeting.id)}
