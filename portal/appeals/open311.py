"""Open311 GeoReport v2 (JSON): the categories as services, the appeals as service requests.

Public data only: no filer, phone or exact place; the address given is the grid and village.
Status is Open311's two values: ``closed`` for every final state, ``open`` otherwise.
"""
from flask import Blueprint, jsonify, request, url_for

from portal.appeals import limits, services
from portal.appeals.models import Appeal
from portal.core.api import int_arg, register_api_errors
from portal.core.clock import iso, parse_datetime
from portal.core.errors import ValidationError

bp = Blueprint("appeals_open311", __name__, url_prefix="/open311/v2")
register_api_errors(bp)
FINAL = services.CLOSED + services.NOT_ACCEPTED


def _service(key):
    name, limit_class = limits.CATEGORIES[key]
    return {"service_code": key, "service_name": name, "description": name, "metadata": False,
            "type": "realtime", "keywords": limit_class, "group": "群众诉求"}


def _request(row):
    return {
        "service_request_id": str(row.id), "status": "closed" if row.state in FINAL else "open",
        "status_notes": services.mask(row.reply or row.reason) or services.STATES[row.state],
        "service_name": services.category_name(row.category), "service_code": row.category,
        "description": services.mask(row.text), "agency_responsible": row.holder.name + (
            f" {row.department}" if row.department else ""),
        "service_notice": "", "requested_datetime": iso(row.created_at), "updated_datetime": iso(row.updated_at),
        "expected_datetime": iso(row.due_at), "address": f"{row.village.name}{row.grid.name if row.grid else ''}",
        "address_id": row.grid_id or row.village_id, "zipcode": "", "lat": None, "long": None,
        "media_url": services.photo_urls(row, "filing")[0] if services.photo_urls(row, "filing") else "",
        "url": url_for("appeals.detail", appeal_id=row.id, _external=True),
    }


@bp.get("/services.json")
def service_list():
    """GeoReport v2 service list: one service per appeal category."""
    return jsonify([_service(k) for k in limits.CATEGORIES])


@bp.get("/requests.json")
def request_list():
    """GeoReport v2 requests: ``service_code``, ``status`` (open|closed), ``start_date``, ``end_date``, ``page``."""
    query = Appeal.select().order_by(Appeal.id.desc())
    code = request.args.get("service_code")
    if code:
        query = query.where(Appeal.category.in_(code.split(",")[:10]))
    status = request.args.get("status")
    if status == "closed":
        query = query.where(Appeal.state.in_(list(FINAL)))
    elif status == "open":
        query = query.where(Appeal.state.not_in(list(FINAL)))
    elif status:
        raise ValidationError("bad_status", "status 只能是 open 或 closed。")
    for arg, op in (("start_date", "ge"), ("end_date", "lt")):
        if request.args.get(arg):
            at = parse_datetime(request.args[arg], arg, arg)
            query = query.where(Appeal.created_at >= at if op == "ge" else Appeal.created_at < at)
    page = int_arg("page", 1, minimum=1, maximum=100000)
    return jsonify([_request(r) for r in query.paginate(page, 50)])


@bp.get("/requests/<int:appeal_id>.json")
def request_one(appeal_id):
    """One request, as GeoReport v2 answers: a list of one."""
    return jsonify([_request(services.get(appeal_id))])
