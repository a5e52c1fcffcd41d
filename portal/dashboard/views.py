"""Dashboard pages: one per unit (county, township, village), phone first, printable on A4.

Every number comes from the precomputed rows (``queries``); the page never
reads a domain's tables. A township's or the county's page compares its
children on one figure at a time (``?by=<figure key>``), with the numbers,
ranked only above the minimum count.
"""
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from portal.core.qr import qr_svg
from portal.dashboard import queries
from portal.publications.categories import CATEGORIES
from portal.units.models import Unit

bp = Blueprint("dashboard", __name__)


def _unit_or_404(code):
    unit = queries.find_unit(code)
    if unit is None:
        abort(404)
    return unit


@bp.get("/dashboard")
def county():
    """The county's dashboard (the portal serves one county)."""
    county = Unit.select().where(Unit.level == "county").order_by(Unit.code).first()
    if county is None:
        abort(404)
    return redirect(url_for("dashboard.unit_page", code=county.code))


@bp.get("/dashboard/<code>")
def unit_page(code):
    """A unit's figures grouped by domain, each linking to its records; for a township or the
    county its children compared on the figure ``?by=`` names. 404 for an unknown unit."""
    unit = _unit_or_404(code)
    children = queries.children_of(unit)
    rows = queries.rows_for([unit.code] + [c.code for c in children])
    fresh = queries.check_fresh(rows)
    groups = queries.unit_figures(unit, rows[unit.code])
    figures = [f for _domain, fs in queries.declared() for f in fs]
    compare = None
    if children and figures:
        by = request.args.get("by", "")
        chosen = next((f for f in figures if f.key == by), None) or next(
            (f for f in figures if f.kind == "count"), figures[0])
        compare = queries.comparison(chosen, children, rows, queries.min_count())
    ancestors = [a for a in unit.ancestors() if a.level in queries.LEVELS]
    return render_template("dashboard/unit.html", unit=unit, ancestors=ancestors, groups=groups,
                           figures=figures, compare=compare, fresh=fresh, children=children)


@bp.get("/dashboard/<code>/follow")
def follow(code):
    """How to follow a unit: its feeds (all records, per category), the QR code, the open data."""
    unit = _unit_or_404(code)
    return render_template("dashboard/follow.html", unit=unit, feeds=feeds_of(unit))


@bp.get("/dashboard/<code>/feed-qr.svg")
def feed_qr(code):
    """A QR code of the unit's feed, for the notice board."""
    unit = _unit_or_404(code)
    return Response(qr_svg(feed_url(unit)), mimetype="image/svg+xml")


def feed_url(unit):
    return url_for("publications.village_feed", code=unit.code, _external=True)


def feeds_of(unit):
    """[(label, url)]: the unit's feed of every public record, then one per category."""
    out = [("全部公开记录", feed_url(unit))]
    out += [(name, url_for("publications.category_feed", code=unit.code, category=key, _external=True))
            for key, name in CATEGORIES.items()]
    return out
