"""``/api/v1/appeals``: the fixed points of API.md "Appeals" and the rest of the loop.

Filing needs no token (a token files as that user); an anonymous filer gets the receipt once.
``Idempotency-Key`` (header, or ``idempotency_key`` in the body) makes a repeated submit file once.
"""
from flask import Blueprint, g, jsonify, request, url_for

from portal.accounts.models import User
from portal.appeals import services, stats
from portal.core.api import api_user, error_response, int_arg, json_body, pages_for, register_api_errors, \
    token_required
from portal.core.clock import parse_date
from portal.core.errors import NotFound, PermissionDenied, ValidationError
from portal.core.i18n import N_
from portal.units.models import Unit

bp = Blueprint("appeals_api", __name__, url_prefix="/api/v1/appeals")
register_api_errors(bp)
PER_PAGE = 20
STAFF_ROLES = ("handler", "admin", "inspector", "supervisor")  # who may read one handler's figures


def _body():
    """JSON, or a multipart form with ``photos`` files (a phone app uploading pictures)."""
    if request.mimetype == "multipart/form-data":
        data = request.form.to_dict()
        data["photos"] = [(f.filename, f.read()) for f in request.files.getlist("photos")]
        if isinstance(data.get("urgent"), str):
            data["urgent"] = data["urgent"] in ("1", "true", "on")
        return data
    return json_body()


def _user_or_401():
    """The token's user, None when no token was sent; a bad token is refused, not ignored."""
    user = api_user()
    if user is None and g.api_token_given:
        return None, error_response("invalid_token", N_("需要有效的访问令牌（Authorization: Bearer …）。"), 401)
    return user, None


@bp.post("")
def file_one():
    """File an appeal → 201 ``{"id", "status", "receipt"?, "due_at", "url"}``; errors bad_village, bad_grid,
    bad_category, missing_text, text_too_long, too_many_photos, bad_file_type, broken_image."""
    user, refused = _user_or_401()
    if refused:
        return refused
    data = _body()
    behalf = data.get("on_behalf")
    if behalf is not None and not isinstance(behalf, dict):
        raise ValidationError("bad_on_behalf", "代办信息必须是对象 {name, phone}。")
    row, receipt, repeated = services.file_appeal(
        data.get("village"), data.get("category"), data.get("text"), grid_code=data.get("grid"),
        urgent=data.get("urgent") is True, place=data.get("place") or "", user=user, on_behalf=behalf,
        photos=data.get("photos") or (), idempotency_key=request.headers.get("Idempotency-Key") or
        data.get("idempotency_key"))
    out = {"id": row.id, "status": row.state, "due_at": services.iso(row.due_at),
           "url": url_for("appeals.detail", appeal_id=row.id, _external=True), "repeated": repeated}
    if receipt:
        out["receipt"] = receipt
    return jsonify(out), 201


@bp.get("")
def list_public():
    """Public appeals, newest first: ``?village=&status=&page=`` → ``{"appeals", "page", "pages", "total"}``."""
    query = services.Appeal.select().order_by(services.Appeal.id.desc())
    village = request.args.get("village")
    if village:
        query = query.where(services.Appeal.village == village)
    status = request.args.get("status")
    if status:
        if status not in services.STATES:
            raise ValidationError("bad_status", "状态不存在。")
        query = query.where(services.Appeal.state == status)
    page = int_arg("page", 1, minimum=1, maximum=100000)
    total = query.count()
    return jsonify({"appeals": [services.public_view(r) for r in query.paginate(page, PER_PAGE)],
                    "page": page, "pages": pages_for(total, PER_PAGE), "total": total})


@bp.get("/<int:appeal_id>")
def one(appeal_id):
    """The public timeline of one appeal (no filer, phone or exact place); 404 not_found."""
    return jsonify(services.public_view(services.get(appeal_id)))


@bp.post("/<int:appeal_id>/rate")
def rate(appeal_id):
    """The filer rates the latest reply (token of the filer, or ``receipt``) ``{"satisfied": bool,
    "level"?: "basic", "comment"?}``; errors not_allowed, bad_receipt, too_many_attempts (429), bad_state."""
    user, refused = _user_or_401()
    if refused:
        return refused
    data = json_body()
    satisfied = data.get("satisfied")
    if not isinstance(satisfied, bool):
        raise ValidationError("bad_satisfied", "satisfied 必须是 true 或 false。")
    level = "unsatisfied" if not satisfied else ("basic" if data.get("level") == "basic" else "satisfied")
    row = services.rate(appeal_id, level, user=user, receipt=data.get("receipt"), comment=data.get("comment"),
                        address=request.remote_addr or "")
    return jsonify(services.public_view(row))


@bp.post("/lookup")
def lookup():
    """``{"receipt"}`` → the appeal it opens; wrong receipts are rate-limited per address."""
    data = json_body()
    row = services.find_by_receipt(data.get("receipt"), request.remote_addr or "")
    return jsonify(services.public_view(row))


@bp.post("/<int:appeal_id>/<action>")
@token_required
def step(appeal_id, action):
    """A handler's step: ``accept reject dispatch reply escalate reopen close`` and ``duplicate not_ours
    transfer start wait resume report``; body ``{"note"?, "to"?, "department"?, "outcome"?}``."""
    data = request.get_json(silent=True) if request.data else {}
    if not isinstance(data, dict):
        raise ValidationError("bad_json", "请求体必须是JSON对象。")
    data.pop("photos", None)  # result photos come as files from the page, not as JSON
    row = services.staff_act(api_user(), appeal_id, action, data)
    return jsonify(services.public_view(row))


def unit_arg():
    code = request.args.get("unit") or ""
    unit = Unit.get_or_none(Unit.code == code)
    if unit is None:
        raise NotFound("bad_unit", "单位代码不存在。")
    return unit


@bp.get("/stats")
def stats_of():
    """``?unit=CODE&from=&to=`` → received, closed, closure_rate, satisfaction_rate, rated, overdue,
    median_hours_to_close and the rest (see portal.appeals.stats for what each counts);
    ``&handler=USERNAME`` (a staff token) → the same figures over the appeals that handler replied to."""
    unit = unit_arg()
    first = parse_date(request.args.get("from"), "from", "开始日期")
    last = parse_date(request.args.get("to"), "to", "结束日期")
    if first and last and first > last:
        raise ValidationError("bad_range", "开始日期不能晚于结束日期。")
    handler = request.args.get("handler")
    if handler:  # one handler's figures (the appeals they replied to): for staff only
        viewer = api_user()
        if viewer is None or viewer.role not in STAFF_ROLES:
            raise PermissionDenied("not_allowed", N_("经办人的统计只对工作人员开放（请带上令牌）。"))
        person = User.get_or_none((User.username == handler[:64]) & (User.role == "handler"))
        if person is None:
            raise ValidationError("bad_handler", N_("没有这个经办人。"))
        out = stats.compute(unit, first, last, handler=person)
        out["handler"] = person.username
        return jsonify(out)
    out = stats.compute(unit, first, last)
    if request.args.get("children") == "1":
        out["children"] = stats.ranking(unit, first, last)
    return jsonify(out)


@bp.get("/similar")
def similar():
    """Open appeals in the same grid (or village) like ``text``: ``{"appeals": [{"id", "text", "status_name", "url"}]}``."""
    text = (request.args.get("text") or "")[:500]
    rows = services.similar(request.args.get("village") or "", request.args.get("grid") or None, text)
    return jsonify({"appeals": [{"id": r.id, "text": services.mask(r.text)[:80], "status": r.state,
                                 "status_name": services.STATES[r.state],
                                 "url": url_for("appeals.detail", appeal_id=r.id, _external=True)} for r in rows]})
