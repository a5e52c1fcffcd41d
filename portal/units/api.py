"""Public JSON about the administrative tree."""
from flask import Blueprint, jsonify

from portal.core.api import api_user, json_body, register_api_errors, token_required
from portal.core.permissions import require
from portal.units.models import LEVELS, Unit
from portal.units.services import create_unit

bp = Blueprint("units_api", __name__, url_prefix="/api/v1")
register_api_errors(bp)


@bp.get("/units")
def list_units():
    """Every unit, county first: ``{"units": [{code, name, level, parent, ...}]}``."""
    order = {level: i for i, level in enumerate(LEVELS)}
    units = sorted(Unit.select(), key=lambda u: (order[u.level], u.sort_order, u.code))
    return jsonify({"units": [u.to_api() for u in units]})


@bp.post("/units")
@token_required
def add_unit():
    """Add a unit (admin only): 201 with the unit; 400/401/403 JSON errors, nothing written."""
    user = api_user()
    require(user, "admin.units")
    data = json_body()
    unit = create_unit(user, str(data.get("code", "")), str(data.get("name", "")), str(data.get("level", "")),
                       data.get("parent"), str(data.get("contact_name", "")), str(data.get("contact_phone", "")))
    return jsonify(unit.to_api()), 201
