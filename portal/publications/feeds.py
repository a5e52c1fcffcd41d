"""Atom feeds (feedgen) of a village's public records, and per category; a township's and the
county's feeds carry every village below them (each entry's title names its village).

Entries carry the masked title and the masked, sanitised body; a withdrawn or
superseded version says so in its title. Input is cleaned of characters XML
cannot carry (``portal.core.text``), but rows stored before that check, or
written by hand, may still hold them: every text put into the feed is passed
through ``xml_text`` so one such record can never make the feed fail.
"""
import datetime

from feedgen.feed import FeedGenerator
from flask import Response, abort, url_for

from portal.publications.blueprint import bp
from portal.publications.categories import CATEGORIES, STATUSES
from portal.core.clock import aware
from portal.publications.queries import public_query
from portal.core.markdown import render_markdown
from portal.core.text import strip_invalid as xml_text
from portal.publications.models import Publication
from portal.units.models import Unit

FEED_SIZE = 50


def unit_or_404(code):
    """A village, township or the county; anything else (a grid, an unknown code) is a 404."""
    unit = Unit.get_or_none((Unit.code == str(code)[:12]) & Unit.level.in_(("county", "township", "village")))
    if unit is None:
        abort(404)
    return unit


def feed_query(unit, category):
    """The newest FEED_SIZE public records of ``unit`` (its villages for a township or the county)."""
    query = public_query(category=category)
    if unit.level == "village":
        query = query.where(Publication.village == unit)
    else:
        below = Unit.select(Unit.code).where(Unit.path.startswith(unit.path) & (Unit.level == "village"))
        query = query.where(Publication.village.in_(below))
    return query.limit(FEED_SIZE)


def build_feed(village, category=None):
    feed_url = (url_for("publications.category_feed", code=village.code, category=category, _external=True)
                if category else url_for("publications.village_feed", code=village.code, _external=True))
    fg = FeedGenerator()
    fg.id(feed_url)
    fg.title(xml_text(f"{village.name} · {CATEGORIES[category] if category else '村务公开'}"))
    home = ("publications.village_list" if village.level == "village" else "home.township")
    fg.link(href=url_for(home, code=village.code, _external=True), rel="alternate")
    fg.link(href=feed_url, rel="self")
    fg.language("zh-CN")
    fg.author({"name": xml_text(village.name)})
    rows = list(feed_query(village, category))
    newest = max((p.withdrawn_at or p.superseded_at or p.published_at for p in rows), default=None)
    fg.updated(aware(newest or datetime.datetime(2000, 1, 1)))
    for pub in reversed(rows):
        entry = fg.add_entry()
        url = url_for("publications.detail", pub_id=pub.id, _external=True)
        entry.id(url)
        prefix = "" if pub.status == "published" else f"【{STATUSES[pub.status]}】"
        where = "" if village.level == "village" else f"{pub.village.name}｜"
        entry.title(xml_text(where + prefix + pub.title_masked))
        entry.link(href=url)
        entry.published(aware(pub.published_at))
        entry.updated(aware(pub.withdrawn_at or pub.superseded_at or pub.published_at))
        entry.category(term=pub.category, label=CATEGORIES[pub.category])
        entry.content(xml_text(render_markdown(pub.body_masked)), type="html")
    return fg.atom_str(pretty=True)


@bp.get("/feeds/<code>.atom")
def village_feed(code):
    """The Atom feed of a village, township or the county; 404 for an unknown unit."""
    return Response(build_feed(unit_or_404(code)), mimetype="application/atom+xml")


@bp.get("/feeds/<code>/<category>.atom")
def category_feed(code, category):
    """One category of a unit's records; 404 for an unknown unit or category."""
    if category not in CATEGORIES:
        abort(404)
    return Response(build_feed(unit_or_404(code), category), mimetype="application/atom+xml")
