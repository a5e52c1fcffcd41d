"""``/api/v1/followups`` and ``/api/v1/campaigns`` (API.md "Follow-ups and campaigns").

Handlers validate the request's shape and call one service each; the services
write through the record mechanism. Public reads need no token; an internal
follow-up is answered as if it did not exist to anyone who may not read it.
"""
from flask import Blueprint, jsonify, request

from portal.core.api import api_user, int_arg, json_body, pages_for, register_api_errors, token_required
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.followups import campaigns, services
from portal.followups.models import Campaign, Followup

bp = Blueprint("followups_api", __name__, url_prefix="/api/v1")
register_api_errors(bp)
PER_PAGE = 20


def _readable(followup_id):
    row = services.get(followup_id)
    if not services.may_read(api_user(), row):
        raise NotFound("not_found", "找不到该督办。")
    return row


@bp.post("/followups")
@token_required
def create():
    """Open a follow-up (inspector in scope) → 201 the follow-up; bad_object, bad_assignee, due_in_past …"""
    data = json_body()
    target = data.get("object")
    if not isinstance(target, dict):
        raise ValidationError("missing_object", "请指定督办对象 {\"type\", \"id\"}。")
    flag = data.get("flag")
    if flag is not None and (isinstance(flag, bool) or not isinstance(flag, int)):
        raise ValidationError("bad_flag", "flag 必须是红旗预警的编号。")
    row = services.open_followup(api_user(), target.get("type"), target.get("id"), data.get("assignee"),
                                 data.get("question"), data.get("due"), data.get("visibility") or "internal",
                                 data.get("campaign"), flag)
    return jsonify(services.public_view(row)), 201


@bp.get("/followups")
def list_public():
    """Public follow-ups, newest first; filters object_type/object_id, village, campaign.

    ``mine=1`` with a token: the follow-ups the caller works on (an inspector's in scope, an assignee's,
    a superior unit's escalations), internal ones included, earliest deadline first.
    """
    if request.args.get("mine") == "1":
        user = api_user()
        if user is None:
            raise PermissionDenied("token_required", "需要有效的访问令牌（Authorization: Bearer …）。")
        state = request.args.get("state") or "open"
        if state not in ("open", "overdue", "concluded"):
            raise ValidationError("bad_state", "state 只能是 open、overdue 或 concluded。")
        rows = services.queue_for(user, state)
        return jsonify({"followups": [services.public_view(r) for r in rows], "page": 1, "pages": 1,
                        "total": len(rows)})
    query = Followup.select().where(Followup.visibility == "public")
    object_type = request.args.get("object_type")
    if object_type:
        query = query.where(Followup.object_type == object_type)
    if request.args.get("object_id"):
        query = query.where(Followup.object_id == int_arg("object_id", minimum=1, maximum=2**53))
    if request.args.get("village"):
        query = query.where(Followup.unit == request.args["village"])
    if request.args.get("campaign"):
        query = query.where(Followup.campaign == int_arg("campaign", minimum=1, maximum=2**53))
    page = int_arg("page", 1, minimum=1, maximum=100000)
    total = query.count()
    rows = query.order_by(Followup.id.desc()).paginate(page, PER_PAGE)
    return jsonify({"followups": [services.public_view(r) for r in rows], "page": page,
                    "pages": pages_for(total, PER_PAGE), "total": total})


@bp.get("/followups/<int:followup_id>")
def one(followup_id):
    """One follow-up: public ones to anyone, internal ones to the inspectors in scope and the assignee."""
    return jsonify(services.public_view(_readable(followup_id)))


def _body():
    return request.get_json(silent=True) if request.data else {}


@bp.post("/followups/<int:followup_id>/answer")
@token_required
def answer(followup_id):
    """The assignee answers: JSON ``{"text"}``, or multipart ``text`` with ``files``."""
    if request.mimetype == "multipart/form-data":
        text = request.form.get("text")
        files = [(f.filename, f.read()) for f in request.files.getlist("files")]
    else:
        data = _body() or {}
        text, files = data.get("text"), []
    _readable(followup_id)
    return jsonify(services.public_view(services.answer(api_user(), followup_id, text, files)))


@bp.post("/followups/<int:followup_id>/ask_again")
@token_required
def ask_again(followup_id):
    """The inspector asks again ``{"question", "due"?}`` (a new deadline when the old one has passed)."""
    data = json_body()
    _readable(followup_id)
    return jsonify(services.public_view(services.ask_again(api_user(), followup_id, data.get("question"),
                                                           data.get("due"))))


@bp.post("/followups/<int:followup_id>/extend")
@token_required
def extend(followup_id):
    """The inspector extends the deadline once ``{"due", "reason"}``."""
    data = json_body()
    _readable(followup_id)
    return jsonify(services.public_view(services.extend(api_user(), followup_id, data.get("due"),
                                                        data.get("reason"))))


@bp.post("/followups/<int:followup_id>/conclude")
@token_required
def conclude(followup_id):
    """The inspector concludes ``{"conclusion", "finding": no_problem|rectified|referred}``."""
    data = json_body()
    _readable(followup_id)
    return jsonify(services.public_view(services.conclude(api_user(), followup_id, data.get("finding"),
                                                          data.get("conclusion"))))


@bp.post("/campaigns")
@token_required
def create_campaign():
    """Open a campaign (inspector) ``{"title", "theme", "unit", "starts_on"?, "ends_on"?, "description"?}``."""
    return jsonify(campaigns.view(campaigns.open_campaign(api_user(), json_body()))), 201


@bp.get("/campaigns")
def list_campaigns():
    """Published campaigns, newest first, with their progress per village."""
    query = Campaign.select().where(Campaign.state == "published")
    page = int_arg("page", 1, minimum=1, maximum=100000)
    total = query.count()
    rows = query.order_by(Campaign.id.desc()).paginate(page, PER_PAGE)
    return jsonify({"campaigns": [campaigns.view(r) for r in rows], "page": page,
                    "pages": pages_for(total, PER_PAGE), "total": total})


@bp.get("/campaigns/<int:campaign_id>")
def one_campaign(campaign_id):
    """A published campaign; an active one only to inspectors whose unit it lies in or covers."""
    row = campaigns.get(campaign_id)
    if row.state != "published" and not campaigns.may_manage(api_user(), row):
        raise NotFound("not_found", "找不到该专项整治。")
    return jsonify(campaigns.view(row, viewer=api_user()))


@bp.post("/campaigns/<int:campaign_id>/publish")
@token_required
def publish_campaign(campaign_id):
    """Publish the campaign's summary ``{"summary"}``: its page becomes public."""
    data = json_body()
    return jsonify(campaigns.view(campaigns.publish(api_user(), campaign_id, data.get("summary")), viewer=api_user()))
