"""Publications JSON API (``/api/v1``): reads are public and masked; writes need a bearer token.

Every handler validates, calls one service and returns its result; services
raise PortalErrors that ``register_api_errors`` turns into
``{"error": {"code", "message"}}`` with a 4xx.
"""
from flask import Blueprint, jsonify, request

from portal.core.api import api_user, int_arg, pages_for, json_body, register_api_errors, token_required
from portal.core.errors import ValidationError
from portal.publications import attachments as attachment_service
from portal.core.money import amount_text
from portal.publications import duties, objections, powers, services
from portal.publications.categories import CATEGORIES, POWER_CATEGORIES, PUBLIC_STATUSES
from portal.core.clock import EARLIEST, LATEST, date_text
from portal.publications.queries import PER_PAGE, page_of, public_query
from portal.publications.serialize import brief, objection_dict, public_dict, staff_dict

bp = Blueprint("publications_api", __name__, url_prefix="/api/v1")
register_api_errors(bp)


def _view(pub, status=200):
    user = api_user()
    body = staff_dict(pub) if services.can_view_draft(user, pub) else public_dict(pub)
    return jsonify(body), status


@bp.get("/categories")
def categories():
    """Disclosure categories (a publication's ``category``) and micro-power categories."""
    return jsonify({"categories": [{"code": c, "name": n} for c, n in CATEGORIES.items()],
                    "power_categories": [{"code": c, "name": n} for c, n in POWER_CATEGORIES.items()]})


@bp.get("/powers")
def power_list():
    """The power list (权力清单) with each power's steps."""
    return jsonify({"powers": [{"code": p.code, "name": p.name, "category": p.category, "basis": p.basis,
                                "steps": [{"id": s.id, "position": s.position, "name": s.name, "role": s.role,
                                           "limit_days": s.limit_days} for s in powers.steps_of(p)]}
                               for p in powers.power_list()]})


@bp.get("/publications")
def list_publications():
    """Public versions, newest first; filters village, category, power_category, year, status; 400 on bad ones."""
    village = services.get_village(request.args["village"]) if request.args.get("village") else None
    category = request.args.get("category") or None
    if category and category not in CATEGORIES:
        raise ValidationError("bad_category", "公开类别无效。")
    power_category = request.args.get("power_category") or None
    if power_category and power_category not in POWER_CATEGORIES:
        raise ValidationError("bad_power_category", "权力类别无效。")
    status = request.args.get("status") or None
    if status and status not in PUBLIC_STATUSES:
        raise ValidationError("bad_status", "状态必须是 published、superseded 或 withdrawn。")
    year = int_arg("year", 0, minimum=EARLIEST.year, maximum=LATEST.year) or None
    page = int_arg("page", 1, minimum=1, maximum=100000)
    rows, total = page_of(public_query(village, category, year, status, power_category), page)
    return jsonify({"publications": [brief(p) for p in rows], "page": page, "pages": pages_for(total, PER_PAGE),
                    "total": total})


@bp.post("/publications")
@token_required
def create():
    """A clerk's draft: 201 ``{"id", "status": "draft", ...}``; 400 on bad fields, 403 outside their village."""
    data = json_body()
    village = services.get_village(data.get("village"))
    pub = services.create_draft(api_user(), village, data, steps=data.get("steps") or None)
    return _view(pub, 201)


@bp.get("/publications/<int:pub_id>")
def detail(pub_id):
    """One version: public for anyone; a draft only for its village's staff (404 otherwise)."""
    return _view(services.visible_publication(api_user(), pub_id))


@bp.put("/publications/<int:pub_id>")
@token_required
def edit(pub_id):
    """Edit a draft or a sent-back draft (409 once approved or published)."""
    pub = services.visible_publication(api_user(), pub_id)
    return _view(services.update_draft(api_user(), pub, json_body()))


@bp.post("/publications/<int:pub_id>/approve")
@token_required
def approve(pub_id):
    """Supervisor approval; 409 for one's own draft or a draft not awaiting review."""
    pub = services.approve(api_user(), services.visible_publication(api_user(), pub_id))
    return jsonify({"id": pub.id, "status": pub.status})


@bp.post("/publications/<int:pub_id>/send-back")
@token_required
def send_back(pub_id):
    """Return a draft to the clerk with ``{"reason"}``."""
    data = json_body()
    pub = services.send_back(api_user(), services.visible_publication(api_user(), pub_id), data.get("reason"))
    return jsonify({"id": pub.id, "status": pub.status, "reason": pub.review_note})


@bp.post("/publications/<int:pub_id>/publish")
@token_required
def publish(pub_id):
    """Publish an approved draft: ``{"status": "published", "audit_index"}``; 409 without approval."""
    pub = services.publish(api_user(), services.visible_publication(api_user(), pub_id))
    return jsonify({"id": pub.id, "status": pub.status, "audit_index": pub.audit_index,
                    "url": public_dict(pub)["url"]})


@bp.post("/publications/<int:pub_id>/correct")
@token_required
def correct(pub_id):
    """A correction draft (new version) of a published record; ``correction_note`` required."""
    pub = services.correct(api_user(), services.get_publication(pub_id), json_body())
    return _view(pub, 201)


@bp.post("/publications/<int:pub_id>/withdraw")
@token_required
def withdraw(pub_id):
    """Withdraw with ``{"reason"}``; the record stays readable, marked withdrawn."""
    data = json_body()
    pub = services.withdraw(api_user(), services.get_publication(pub_id), data.get("reason"))
    return jsonify({"id": pub.id, "status": pub.status, "audit_index": pub.withdraw_audit_index})


@bp.post("/publications/<int:pub_id>/attachments")
@token_required
def upload(pub_id):
    """Multipart ``file``: PDF/JPEG/PNG by content, up to MAX_UPLOAD_BYTES; 201 with its SHA-256."""
    pub = services.visible_publication(api_user(), pub_id)
    file = request.files.get("file")
    if file is None:
        raise ValidationError("missing_file", "请用 multipart 字段 file 上传文件。")
    data = file.read(attachment_service.max_bytes() + 1)
    att = attachment_service.add_attachment(api_user(), pub, file.filename, data)
    return jsonify({"id": att.id, "filename": att.filename, "mime": att.mime, "size": att.size,
                    "sha256": att.sha256}), 201


@bp.post("/publications/<int:pub_id>/steps")
@token_required
def record_step(pub_id):
    """Record a power-list step ``{"step": id, "done_on": "YYYY-MM-DD", "note"?}``."""
    data = json_body()
    pub = services.visible_publication(api_user(), pub_id)
    row = powers.record_step(api_user(), pub, data.get("step"), data.get("done_on"), data.get("note", ""))
    return jsonify({"id": row.id, "step": row.step_id, "done_on": date_text(row.done_on)}), 201


@bp.get("/publications/<int:pub_id>/objections")
def list_objections(pub_id):
    """Objections a supervisor let through, with the clerk's answers."""
    pub = services.visible_publication(api_user(), pub_id)
    return jsonify({"objections": [objection_dict(o) for o in objections.public_objections(pub)],
                    "period": objections.outcome(pub) if pub.has_period else None})


@bp.post("/publications/<int:pub_id>/objections")
@token_required
def lodge(pub_id):
    """A resident of the village objects ``{"text"}`` during the period; 409 outside it."""
    pub = services.visible_publication(api_user(), pub_id)
    obj = objections.lodge(api_user(), pub, json_body().get("text"))
    return jsonify({"id": obj.id, "status": obj.status}), 201


@bp.post("/objections/<int:obj_id>/moderate")
@token_required
def moderate(obj_id):
    """Supervisor: ``{"decision": "show"|"reject", "note"?}``."""
    data = json_body()
    if not isinstance(data.get("decision"), str) or data["decision"] not in ("show", "reject"):
        raise ValidationError("bad_decision", "decision 必须是 show 或 reject。")
    obj = objections.moderate(api_user(), objections.get_objection(obj_id), data["decision"] == "show",
                              data.get("note") or "")
    return jsonify({"id": obj.id, "status": obj.status})


@bp.post("/objections/<int:obj_id>/answer")
@token_required
def answer(obj_id):
    """Clerk: the public answer ``{"text"}`` to a shown objection."""
    obj = objections.answer(api_user(), objections.get_objection(obj_id), json_body().get("text"))
    return jsonify(objection_dict(obj))


@bp.get("/villages/<code>/duties")
def village_duties(code):
    """Each publication duty of a village: met, due or overdue, with its deadline."""
    village = services.get_village(code)
    return jsonify({"village": village.code, "duties": [
        {"rule": d["rule"].name, "category": d["rule"].category, "frequency": d["rule"].frequency,
         "state": d["state"], "deadline": date_text(d["deadline"]), **_amount_duty(d)}
        for d in duties.duty_status(village)]})


def _amount_duty(d):
    """Per-matter detail of an amount rule; drafts show only their dates."""
    if d["rule"].kind != "amount":
        return {}
    return {"kind": "amount", "threshold": amount_text(d["rule"].threshold), "within_days": d["rule"].within_days,
            "matters": [{"decided_on": date_text(m["decided_on"]), "deadline": date_text(m["deadline"]),
                         "published_on": date_text(m["published_on"]), "state": m["state"],
                         "publication": m["public"].id if m["public"] else None,
                         "amount": amount_text(m["public"].amount) if m["public"] else None}
                        for m in d["matters"]]}
