"""Seals JSON API (``/api/v1``, the fixed points in API.md "Seals"): reads public and masked, writes by
bearer token. Each handler validates the request's shape, calls one service, and answers the public
view; refusals are ``{"error": {"code", "message"}}`` (``register_api_errors``)."""
from flask import Blueprint, jsonify, request

from portal.core.api import api_user, int_arg, json_body, pages_for, register_api_errors, token_required
from portal.core.clock import parse_date
from portal.core.errors import NotFound, ValidationError
from portal.core.i18n import N_
from portal.core.permissions import require
from portal.core.records import get_row, is_public
from portal.seals import certificates, services
from portal.seals.models import Seal
from portal.units.models import Unit

bp = Blueprint("seals_api", __name__, url_prefix="/api/v1")
register_api_errors(bp)
PER_PAGE = 50
USE_KEYS = ("seal", "used_on", "purpose", "document", "copies", "applicant", "approver", "handler",
            "certificate", "decision", "matter", "left_office")
SEAL_KEYS = ("name", "kind", "keeper", "approver", "registered_on")
STEP_KEYS = ("date", "reason", "to_keeper", "witness", "handed_on")


def _village_arg(required=False):
    code = request.args.get("village")
    if not code:
        if required:
            raise ValidationError("missing_village", N_("缺少参数 village（村/社区代码）。"))
        return None
    village = Unit.find(code, "village")
    if village is None:
        raise ValidationError("bad_village", N_("村（社区）代码不存在。"))
    return village


def _picked(data, keys):
    return {k: data[k] for k in keys if k in data}


@bp.get("/seals")
def list_seals():
    """The seal register: every seal (destroyed ones included) with keeper, approver, status and handovers."""
    village = _village_arg()
    query = Seal.select().order_by(Seal.id)
    if village is not None:
        query = query.where(Seal.village == village)
    page = int_arg("page", 1, minimum=1, maximum=100000)
    total = query.count()
    return jsonify({"seals": [services.public_seal(s) for s in query.paginate(page, PER_PAGE)], "page": page,
                    "pages": pages_for(total, PER_PAGE), "total": total})


@bp.post("/seals")
@token_required
def register_seal():
    """Register a seal (clerk of the village): 201 with the seal; keeper = approver is refused."""
    data = json_body()
    return jsonify(services.public_seal(services.register_seal(api_user(), data.get("village"),
                                                               _picked(data, SEAL_KEYS)))), 201


@bp.get("/seals/<int:seal_id>")
def one_seal(seal_id):
    return jsonify(services.public_seal(get_row(services.SEAL, seal_id)))


@bp.post("/seals/<int:seal_id>/<step>")
@token_required
def change_seal(seal_id, step):
    """suspend / resume / report_lost / destroy ``{"date"?, "reason"}``; handover ``{"to_keeper",
    "witness", "handed_on"?}`` as JSON, or multipart with the impression image in ``impression``."""
    if request.mimetype == "multipart/form-data":
        data = _picked(request.form, STEP_KEYS)
        upload = request.files.get("impression")
        if upload is not None and upload.filename:
            data["impression"] = (upload.filename, upload.read())
    else:
        data = _picked(json_body(), STEP_KEYS)
    return jsonify(services.public_seal(services.change_seal(api_user(), seal_id, step, data)))


@bp.post("/seal-uses")
@token_required
def record_use():
    """A clerk records one use at the time of use: 201 with the public record; the same
    ``Idempotency-Key`` again answers 200 with the use already recorded."""
    data = json_body()
    use, created = services.record_use_once(api_user(), _picked(data, USE_KEYS),
                                            request.headers.get("Idempotency-Key"))
    return jsonify(services.public_use(use)), 201 if created else 200


@bp.get("/seal-uses")
def list_uses():
    """The public use log, newest first; filters village, seal, from, to, certificate=1, out=1."""
    village = _village_arg()
    seal = int_arg("seal", 0, minimum=0, maximum=2**53) or None
    start = parse_date(request.args.get("from"), "from", "开始日期")
    end = parse_date(request.args.get("to"), "to", "结束日期")
    page = int_arg("page", 1, minimum=1, maximum=100000)
    filters = (village, seal, start, end, request.args.get("certificate") == "1", request.args.get("out") == "1")
    query = services.uses_query(*filters)
    total = services.uses_query(*filters, with_seal=False).order_by().count()
    return jsonify({"seal_uses": [services.public_use(u) for u in query.paginate(page, PER_PAGE)], "page": page,
                    "pages": pages_for(total, PER_PAGE), "total": total})


@bp.get("/seal-uses/<int:use_id>")
def one_use(use_id):
    row = get_row(services.SEAL_USE, use_id)
    if not is_public(services.SEAL_USE, row):
        raise NotFound("not_found", N_("找不到该用印记录。"))
    return jsonify(services.public_use(row))


@bp.post("/seal-uses/<int:use_id>/return")
@token_required
def return_seal(use_id):
    """The seal taken out for this use came back (``{"returned_at"?}``, default now)."""
    data = request.get_json(silent=True) if request.data else {}
    data = _picked(data if isinstance(data, dict) else {}, ("returned_at",))
    return jsonify(services.public_use(services.return_seal(api_user(), use_id, data)))


@bp.get("/certificates")
def certificate_list():
    """The 证明事项清单 in force in the village's (or county's) county: may issue, replaced by 告知承诺, must not."""
    village = _village_arg()
    unit = village
    if unit is None and request.args.get("county"):
        unit = Unit.find(request.args["county"], "county")
        if unit is None:
            raise ValidationError("bad_county", N_("县代码不存在。"))
    if unit is None:
        unit = Unit.select().where(Unit.level == "county").order_by(Unit.code).first()
    entries = certificates.translated(certificates.list_for(unit))
    return jsonify({"certificates": entries, "kinds": [{"code": k, "name": v} for k, v in certificates.KINDS.items()],
                    "village": village.code if village else None, "page": 1, "pages": 1, "total": len(entries)})


@bp.post("/certificates")
@token_required
def set_certificate():
    """Add or replace one entry of a county's list (admin): 201 with the entry."""
    data = json_body()
    county = Unit.find(data.get("county"), "county")
    require(api_user(), "certificate.manage", county)
    row = certificates.add_county_entry(api_user(), county, data)
    return jsonify({"county": county.code, "code": row.code, "name": row.name, "kind": row.kind,
                    "alternative": row.alternative, "basis": row.basis}), 201
