"""JSON API for meetings (API.md § Live broadcasts); bearer tokens for writes."""
from flask import Blueprint, jsonify, request, url_for

from portal.core.api import api_user, int_arg, pages_for, json_body, register_api_errors, token_required
from portal.core.errors import ValidationError
from portal.meetings import services
from portal.meetings.models import Meeting
from portal.units.models import Unit

bp = Blueprint("meetings_api", __name__, url_prefix="/api/v1")
register_api_errors(bp)
PER_PAGE = 50


def _meeting_json(meeting):
    out = services.meeting_public(meeting)
    out["url"] = url_for("meetings.watch", meeting_id=meeting.id, _external=True)
    if meeting.status == "ended":
        out["replay_url"] = url_for("meetings.replay", meeting_id=meeting.id, _external=True)
    return out


@bp.post("/meetings")
@token_required
def create():
    """Schedule a meeting → 201 with the meeting; 400 on bad fields, 403 outside the clerk's village."""
    body = json_body()
    meeting = services.create_meeting(api_user(), body.get("village"), body.get("title"), body.get("kind"),
                                      body.get("starts_at"), body.get("place"), body.get("agenda"),
                                      body.get("host"), body.get("links"))
    return jsonify(_meeting_json(meeting)), 201


@bp.get("/meetings")
def index():
    """Meetings of a village (``?village=CODE``) or of the county, newest first, 50 a page."""
    page = int_arg("page", default=1, minimum=1, maximum=10000)
    query = Meeting.select().order_by(Meeting.starts_at.desc())
    code = request.args.get("village")
    if code:
        village = Unit.find(code[:12], "village")
        if village is None:
            raise ValidationError("bad_village", "村/社区不存在。")
        query = query.where(Meeting.village == village)
    total = query.count()
    return jsonify({"meetings": [_meeting_json(m) for m in query.paginate(page, PER_PAGE)], "page": page,
                    "pages": pages_for(total, PER_PAGE), "total": total})


@bp.get("/meetings/<int:meeting_id>")
def show(meeting_id):
    """One meeting with its agenda and state; 404 when unknown."""
    return jsonify(_meeting_json(services.get_meeting(meeting_id)))


@bp.post("/meetings/<int:meeting_id>/start")
@token_required
def start(meeting_id):
    """Go live (host only) → ``{"status": "live", "seq"}``; 409 when not scheduled."""
    item = services.start_meeting(api_user(), services.get_meeting(meeting_id))
    return jsonify({"id": meeting_id, "status": "live", "seq": item.seq})


@bp.post("/meetings/<int:meeting_id>/end")
@token_required
def end(meeting_id):
    """End and archive (host only) → the meeting with ``archive_audit_index``; 409 when not live."""
    meeting = services.end_meeting(api_user(), services.get_meeting(meeting_id))
    return jsonify(_meeting_json(meeting))


@bp.post("/meetings/<int:meeting_id>/items")
@token_required
def post_item(meeting_id):
    """The REST twin of the socket ``post`` event → 201 ``{"ok": true, "seq"}``."""
    body = json_body()
    item = services.post_item(api_user(), services.get_meeting(meeting_id), body.get("kind"), body.get("data"))
    return jsonify({"ok": True, "seq": item["seq"]}), 201


@bp.post("/meetings/<int:meeting_id>/photos")
@token_required
def post_photo(meeting_id):
    """Multipart ``photo`` (JPEG/PNG/WebP ≤ 5 MB) and optional ``caption`` → 201 ``{"ok", "seq"}``."""
    upload = request.files.get("photo")
    data = upload.read(5 * 1024 * 1024 + 1) if upload else b""
    item = services.post_photo(api_user(), services.get_meeting(meeting_id), data,
                               request.form.get("caption", ""))
    return jsonify({"ok": True, "seq": item["seq"]}), 201


@bp.get("/meetings/<int:meeting_id>/items")
def items(meeting_id):
    """Items with ``seq > after`` in order, at most ``limit`` (≤ 500): how a client catches up over HTTP."""
    after = int_arg("after", default=0, maximum=2**31)
    limit = int_arg("limit", default=500, minimum=1, maximum=500)
    meeting = services.get_meeting(meeting_id)
    rows = services.items_after(meeting, after, limit)
    return jsonify({"meeting": meeting.id, "status": meeting.status, "last_seq": meeting.last_seq,
                    "items": rows})
