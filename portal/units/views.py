"""Page helpers for the administrative tree (no blueprint of its own)."""
from flask import abort

from portal.units.models import Unit


def village_or_404(code):
    """The village (or community) page's unit; an unknown code is a 404 page."""
    village = Unit.find(code, "village")
    if village is None:
        abort(404)
    return village


def area_or_404(code):
    """A township's or the county's page's unit (the pages listing a whole area's records); else a 404."""
    unit = Unit.get_or_none((Unit.code == str(code or "")) & (Unit.level.in_(("township", "county"))))
    if unit is None:
        abort(404)
    return unit
