"""Turning request arguments into a search and the result into what pages and the API show.

Shared by the page (``views``) and the JSON API (``api``) so both accept the
same arguments and refuse the same bad input with the same message.
"""
from datetime import datetime, time, timedelta, timezone

from search_index import FACETS, QueryError

from portal.core.routing import ascii_int
from portal.core.clock import iso, parse_date
from portal.core.errors import ValidationError
from portal.core.i18n import N_
from portal.search.registry import category_name
from portal.search.service import get_service
from portal.units.models import Unit

CHINA = timezone(timedelta(hours=8))
FILTER_ARGS = ("type", "township", "village", "category")
MAX_PAGE = 1000
DATE_LABELS = {"from": N_("日期 from "), "to": N_("日期 to ")}  # as the messages have always read
FACET_NAMES = {"type": N_("类型"), "township": N_("乡镇（街道）"), "village": N_("村（社区）"),
               "category": N_("类别"), "year": N_("年份")}
TYPE_NAMES = {"publication": N_("公开信息"), "seal_use": N_("用章记录"), "bid": N_("招投标"), "meeting": N_("议事记录"),
              "ledger": N_("三资台账"), "appeal": N_("群众诉求")}


def _date(args, name, end=False):
    """A ``from``/``to`` day through the one bounded date parser (1949–2100), as a China-time moment."""
    day = parse_date((args.get(name) or "").strip(), name, DATE_LABELS[name])
    if day is None:
        return None
    moment = datetime.combine(day, time.max if end else time.min, tzinfo=CHINA)
    return moment


def _page(args):
    raw = (args.get("page") or "1").strip()
    if not 1 <= (ascii_int(raw) or 0) <= MAX_PAGE:
        raise ValidationError("bad_page", "页码必须是 1 到 %(max)s 之间的整数。", max=MAX_PAGE)
    return int(raw)


def run_search(args, per_page=10):
    """Run the search the arguments ask for; ValidationError for bad input (never a 500)."""
    date_from, date_to = _date(args, "from"), _date(args, "to", end=True)
    if date_from and date_to and date_from > date_to:
        raise ValidationError("bad_dates", "开始日期不能晚于结束日期。")
    filters = {name: args.get(name, "").strip()[:64] for name in FILTER_ARGS if args.get(name, "").strip()}
    try:
        return get_service().index.search(args.get("q", ""), filters=filters, date_from=date_from,
                                          date_to=date_to, page=_page(args), per_page=per_page)
    except QueryError as exc:
        raise ValidationError(exc.code, exc.template, **exc.params)
    except TimeoutError:
        raise ValidationError("index_busy", "搜索索引正在重建，请稍后再试。")


def unit_names(result):
    """Names for the unit codes that appear in the result's facets and hits."""
    codes = {v for name in ("township", "village") for v, _ in result.facets.get(name, [])}
    codes |= {h["village"] for h in result.hits if h["village"]}
    if not codes:
        return {}
    return {u.code: u.name for u in Unit.select(Unit.code, Unit.name).where(Unit.code.in_(list(codes)))}


def label(facet, value, names):
    if facet in ("township", "village"):
        return names.get(value, value)
    if facet == "type":
        return TYPE_NAMES.get(value, value)
    if facet == "category":
        return category_name(value)
    return value


def facets_payload(result, names):
    return {name: [{"value": v, "label": label(name, v, names), "count": c} for v, c in result.facets[name]]
            for name in FACETS}


def hit_payload(hit, names):
    return {"type": hit["type"], "id": int(hit["id"]) if str(hit["id"]).isdigit() else hit["id"], "title": hit["title"], "url": hit["url"],
            "snippet": str(hit["snippet"]), "village": hit["village"],
            "village_name": names.get(hit["village"], ""), "category": hit["category"],
            "published_at": iso(hit["published_at"])}
