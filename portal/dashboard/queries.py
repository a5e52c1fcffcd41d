"""Reading the precomputed figures for pages and the stats API (rows only, never the domains' tables).

Figures are shown grouped by the domain that declared them, in declaration
order; whatever domains exist on this portal appear, and a figure whose
compute failed is shown as unavailable rather than breaking the page.
"""
import datetime
import functools
import json
import logging
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import gettext as _

from portal.core import registry
from portal.core.clock import date_text, iso, today
from portal.core.db import driver_rows
from portal.dashboard import precompute
from portal.dashboard.models import UnitFigure
from portal.units.models import Unit

log = logging.getLogger(__name__)
LEVELS = ("county", "township", "village")
# The order of DESIGN.md's capabilities (the village page's sections); domains not named follow.
DOMAIN_ORDER = ("publications", "ledger", "projects", "seals", "appeals", "followups", "redflags", "meetings")
DEFAULT_MIN_COUNT = 5  # a village is ranked on a figure only when its basis counts at least this many


def find_unit(code):
    """The county, township or village with ``code``, or None (grids have no dashboard)."""
    return Unit.get_or_none((Unit.code == str(code or "")[:12]) & Unit.level.in_(LEVELS))


def children_of(unit):
    if unit.level == "village":
        return []
    return list(Unit.select().where((Unit.parent == unit.code) & Unit.level.in_(LEVELS))
                .order_by(Unit.sort_order, Unit.code))


def declared():
    """[(domain name, [Figure, ...])] in the order the domains and their figures are declared."""
    reg = registry.of()
    out = []
    order = {name: i for i, name in enumerate(DOMAIN_ORDER)}
    for name, domain in sorted(reg.domains.items(), key=lambda item: (order.get(item[0], len(order)), item[0])):
        figures = [f for f in domain.figures if reg.figures.get(f.key) is f]
        if figures:
            out.append((name, figures))
    return out


_UNSET = object()


@functools.lru_cache(maxsize=64)
def _day(text):
    """A stored day's date (a page reads ~500 rows holding one or two distinct days)."""
    return datetime.date.fromisoformat(text)


class StoredFigure:
    """One stored figure as the pages read it (``UnitFigure``'s columns they use). Its JSON and its time are
    parsed when first read: a township's page reads ~500 rows, but uses the value of only its own ~30 and of
    one or two figures of each village (the comparison), and the time of none but its own."""
    __slots__ = ("unit", "key", "value", "ok", "_computed_at", "computed_on", "_data")

    def __init__(self, unit, key, value, ok, computed_at, computed_on):
        self.unit, self.key, self.value, self.ok = unit, key, value, bool(ok)
        self._computed_at = computed_at
        self.computed_on = _day(date_text(computed_on))
        self._data = _UNSET

    @property
    def computed_at(self):
        at = self._computed_at
        if isinstance(at, str):
            at = self._computed_at = datetime.datetime.fromisoformat(at)
        return at

    @property
    def data(self):
        if self._data is _UNSET:
            self._data = None if self.value is None else json.loads(self.value)
        return self._data


def rows_for(codes):
    """{unit code: {figure key: StoredFigure}} in one query, as the driver gives the rows: a township's page
    reads ~500 and building a model object of each (its dates parsed by peewee) was half the page's time."""
    out = {code: {} for code in codes}
    query = UnitFigure.select(UnitFigure.unit, UnitFigure.key, UnitFigure.value, UnitFigure.ok,
                              UnitFigure.computed_at, UnitFigure.computed_on).where(UnitFigure.unit.in_(list(codes)))
    for row in driver_rows(query):
        figure = StoredFigure(*row)
        out[figure.unit][figure.key] = figure
    return out


def check_fresh(rows_by_unit):
    """Ask for a background rebuild when a unit lacks a declared figure or holds an earlier day's."""
    wanted = set(registry.of().figures)
    day = today()
    for rows in rows_by_unit.values():
        if not wanted <= set(rows) or any(r.computed_on < day for r in rows.values()):
            precompute.of(current_app._get_current_object()).ask_rebuild()
            return False
    return True


def display(kind, value):
    """The figure's value as the page shows it, in the request's language (the API keeps the JSON value)."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "money":
        try:
            return _("%(amount)s 元", amount=f"{Decimal(str(value)):,.2f}")
        except InvalidOperation:
            return str(value)
    if kind == "hours":
        return _("%(hours)s 小时", hours=f"{float(value):.1f}")
    return f"{value:,}" if isinstance(value, int) else str(value)


def link_of(figure, unit):
    if figure.link is None:
        return None
    try:
        return figure.link(unit)
    except Exception:
        log.exception("link of figure %s failed", figure.key)
        return None


def figure_item(figure, row, unit, domain):
    ok = row is not None and row.ok
    value = row.data if ok else None
    return {"key": figure.key, "domain": domain, "label": figure.label, "kind": figure.kind, "value": value,
            "text": display(figure.kind, value) if ok else None, "ok": ok, "pending": row is None,
            "url": link_of(figure, unit), "computed_at": iso(row.computed_at) if row else None}


def unit_figures(unit, rows):
    """[(domain, [figure item])] for one unit."""
    return [(domain, [figure_item(f, rows.get(f.key), unit, domain) for f in figures])
            for domain, figures in declared()]


def basis_key(figure):
    """What a village's rank on ``figure`` rests on: a count figure itself; otherwise the first count
    figure its domain declares (a 满意率 over too few ratings says nothing); None: never ranked."""
    if figure.kind == "count":
        return figure.key
    for _name, figures in declared():
        if figure in figures:
            return next((f.key for f in figures if f.kind == "count"), None)
    return None


def comparison(figure, children, rows_by_unit, min_count):
    """Children side by side on one figure: every one with its number; ranked (1, 2, …, ties share)
    only those whose basis is at least ``min_count``, the others marked as too few to rank."""
    basis = basis_key(figure)
    entries = []
    for child in children:
        rows = rows_by_unit.get(child.code, {})
        row = rows.get(figure.key)
        value = row.data if row is not None and row.ok else None
        base_row = rows.get(basis) if basis else None
        base = base_row.data if base_row is not None and base_row.ok else None
        rankable = (value is not None and isinstance(base, (int, float)) and base >= min_count)
        entries.append({"unit": child, "value": value, "text": display(figure.kind, value), "basis": base,
                        "rankable": rankable, "rank": None, "number": _number(value)})
    ranked = sorted((e for e in entries if e["rankable"]), key=lambda e: -e["number"])
    previous, rank = None, 0
    for position, entry in enumerate(ranked, start=1):
        if entry["number"] != previous:
            rank, previous = position, entry["number"]
        entry["rank"] = rank
    entries.sort(key=lambda e: (e["rank"] is None, e["rank"] or 0, e["unit"].sort_order, e["unit"].code))
    top = max((e["number"] for e in entries if e["number"] is not None), default=0)
    return {"figure": figure, "basis": basis, "entries": entries, "max": top or 1, "min_count": min_count}


def _number(value):
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def min_count():
    return int(current_app.config.get("DASHBOARD_MIN_COUNT", DEFAULT_MIN_COUNT))


def stats_json(unit, url_for_unit):
    """The ``/api/v1/stats/<code>`` answer: the unit's figures and each child's, from the rows only."""
    children = children_of(unit)
    rows = rows_for([unit.code] + [c.code for c in children])
    fresh = check_fresh(rows)
    figures = [item for _domain, items in unit_figures(unit, rows[unit.code]) for item in items]
    stamps = [r.computed_at for r in rows[unit.code].values()]
    return {
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level, "parent": unit.parent_id,
                 "url": url_for_unit(unit)},
        "computed_at": iso(max(stamps)) if stamps else None, "complete": fresh,
        "values": {f["key"]: f["value"] for f in figures},
        "figures": [{k: f[k] for k in ("key", "domain", "label", "kind", "value", "ok", "url")} for f in figures],
        "children": [{"code": c.code, "name": c.name, "level": c.level, "url": url_for_unit(c),
                      "values": {k: (r.data if r.ok else None) for k, r in rows[c.code].items()}}
                     for c in children],
    }
