"""Page helpers for the administrative tree (no blueprint of its own)."""
from flask import abort

from portal.units.models import Unit


def village_or_404(code):
    """The village (or community) page's unit; an unknown code is a 404 page."""
    village = Unit.find(code, "village")
    if village is None:
        abort(404)
    return village


def area_or_404(code, village_too=False):
    """A township's or the county's page's unit (the pages listing a whole area's records); else a 404.
    ``village_too``: a page that lists one village's records the same way (its dashboard figure links there)."""
    levels = ("township", "county", "village") if village_too else ("township", "county")
    unit = Unit.get_or_none((Unit.code == str(code or "")) & (Unit.level.in_(levels)))
    if unit is None:
        abort(404)
    return unit
