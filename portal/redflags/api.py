"""``GET /api/v1/redflags``: every open red flag, public (computed from public rows only)."""
from flask import Blueprint, jsonify, request

from portal.core.api import int_arg, pages_for, register_api_errors
from portal.core.errors import NotFound
from portal.redflags import services
from portal.units.models import Unit

PER_PAGE = 20

bp = Blueprint("redflags_api", __name__, url_prefix="/api/v1/redflags")
register_api_errors(bp)


def _unit_arg(name, level):
    code = request.args.get(name)
    if not code:
        return None
    unit = Unit.find(code, level)
    if unit is None:
        raise NotFound(f"bad_{name}", "找不到该村（社区）。" if level == "village" else "找不到该乡镇（街道）。")
    return unit


@bp.get("")
def listing():
    page = int_arg("page", 1, minimum=1, maximum=100000)
    village, township = _unit_arg("village", "village"), _unit_arg("township", "township")
    query = services.open_flags(code=request.args.get("code") or None)
    for unit in (township, village):
        if unit is not None:
            query = query.where(services.RedFlag.path.startswith(unit.path))
    total = query.count()
    return jsonify({"flags": [services.public_view(r) for r in query.paginate(page, PER_PAGE)],
                    "page": page, "pages": pages_for(total, PER_PAGE), "total": total})


@bp.get("/rules")
def rule_list():
    """What each code means (the rules are public: residents can see what is checked)."""
    return jsonify({"rules": [{"code": r.code, "title": r.title, "description": r.description,
                               "watches": list(r.watches)} for r in services.rules().values()]})
