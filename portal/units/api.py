"""Public JSON about the administrative tree."""
from flask import Blueprint, jsonify

from portal.api_support import register_api_errors
from portal.units.models import LEVELS, Unit

bp = Blueprint("units_api", __name__, url_prefix="/api/v1")
register_api_errors(bp)


@bp.get("/units")
def list_units():
    """Every unit, county first: ``{"units": [{code, name, level, parent, ...}]}``."""
    order = {level: i for i, level in enumerate(LEVELS)}
    units = sorted(Unit.select(), key=lambda u: (order[u.level], u.sort_order, u.code))
    return jsonify({"units": [u.to_api() for u in units]})
