"""Home (latest notices, live meetings, choose township → village), unit pages and the workspace."""
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal.home.sections import home_sections, sections_for
from portal.home.workspace import panels_for
from portal.units.models import Unit
from portal.units.services import townships, villages_of
from portal.units.views import village_or_404

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """The county's townships with their villages, the latest notices and the meetings live now."""
    county = Unit.get_or_none(Unit.level == "county")
    tree = [(t, villages_of(t)) for t in townships()]
    return render_template("home/index.html", county=county, tree=tree,
                           now=home_sections())


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says; send them to the static icon."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/work")
@login_required
def work():
    """The signed-in user's workspace: one panel per kind of work waiting, each with its count."""
    panels = panels_for(current_user)
    return render_template("home/workspace.html", panels=panels, unit=current_user.unit,
                           total=sum(p["count"] for p in panels))


@bp.get("/u/<code>")
def township(code):
    """A township's (or the county's) villages; 404 for an unknown code."""
    unit = Unit.get_or_none((Unit.code == code) & (Unit.level.in_(("township", "county"))))
    if unit is None:
        abort(404)
    if unit.level == "county":
        return render_template("home/county.html", county=unit, tree=[(t, villages_of(t)) for t in townships()])
    return render_template("home/township.html", township=unit, villages=villages_of(unit))


@bp.get("/v/<code>")
def village(code):
    """A village's home page: one section per capability, its grids and contacts."""
    unit = village_or_404(code)
    grids = list(unit.children.order_by(Unit.sort_order, Unit.code))
    return render_template("home/village.html", village=unit, township=unit.parent,
                           grids=grids, sections=sections_for(unit))
