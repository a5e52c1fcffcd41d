"""Home (choose township → village) and the village home page."""
from flask import Blueprint, abort, render_template

from portal.home.sections import sections_for
from portal.units.models import Unit
from portal.units.services import townships, villages_of
from portal.units.views import village_or_404

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """The county's townships, each with its villages."""
    county = Unit.get_or_none(Unit.level == "county")
    tree = [(t, villages_of(t)) for t in townships()]
    return render_template("home/index.html", county=county, tree=tree)


@bp.get("/u/<code>")
def township(code):
    """A township's villages; 404 for an unknown code."""
    unit = Unit.get_or_none((Unit.code == code) & (Unit.level == "township"))
    if unit is None:
        abort(404)
    return render_template("home/township.html", township=unit, villages=villages_of(unit))


@bp.get("/v/<code>")
def village(code):
    """A village's home page: one section per capability, its grids and contacts."""
    unit = village_or_404(code)
    grids = list(unit.children.order_by(Unit.sort_order, Unit.code))
    return render_template("home/village.html", village=unit, township=unit.parent,
                           grids=grids, sections=sections_for(unit))
