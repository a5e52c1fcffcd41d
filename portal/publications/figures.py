"""What the dashboard shows of publications: counts, 公示 duties and unanswered objections.

Each figure is computed from the public rows of a set of villages (one village, a
township's or the county's); the dashboard precomputes them per unit and
recomputes a unit's figures after a publication or objection of one of its
villages changed (``villages_of``).
"""
import datetime

from flask import url_for

from portal.core.clock import date_text, iso, today
from portal.core.db import villages_in
from portal.core.domain import ExportTable, Figure
from portal.core.memo import memoized
from portal.core.money import amount_text
from portal.core.routing import to_id
from portal.publications import duties
from portal.publications.categories import CATEGORIES, PUBLIC_STATUSES
from portal.publications.models import Objection, Publication
from portal.publications.queries import first_published_query, unanswered_objections_query
from portal.units.models import Unit


def villages_of(doc_type, object_id):
    """The village a changed publication or objection belongs to (none when it is gone)."""
    oid = to_id(object_id)
    if oid is None:
        return []
    if doc_type == "duty_rule":  # a rule measures every village
        return [u.code for u in Unit.select(Unit.code).where(Unit.level == "village")]
    if doc_type == "objection":
        row = Objection.select(Publication.village).join(Publication).where(Objection.id == oid).first()
        return [row.publication.village_id] if row else []
    pub = Publication.select(Publication.village).where(Publication.id == oid).first()
    return [pub.village_id] if pub else []


def _first_published_between(village_ids, first_day, last_day):
    """Records (series) first made public between two local days: corrections are not new records."""
    return first_published_query(village_ids, first_day, last_day).order_by().count()


def this_month(village_ids, today):
    return _first_published_between(village_ids, today.replace(day=1), today)


def this_year(village_ids, today):
    return _first_published_between(village_ids, datetime.date(today.year, 1, 1), today)


def _duty_count(state):
    def compute(village_ids, today):
        key = ("publications.duties", tuple(sorted(village_ids)), today)  # met, due, overdue: one pass
        counts = memoized(key, lambda: duties.duty_counts(
            list(Unit.select().where(Unit.code.in_(list(village_ids)) & (Unit.level == "village"))), today))
        return counts[state]
    return compute


def objections_unanswered(village_ids, today):
    """Objections let through to the public and still without the clerk's answer."""
    return unanswered_objections_query(village_ids).order_by().count()


def _list_link(unit):
    if unit.level == "village":
        return url_for("publications.village_list", code=unit.code)
    return url_for("home.township", code=unit.code)


def _objections_link(unit):
    if unit.level == "village":
        return url_for("publications.village_list", code=unit.code)
    return url_for("publications.area_objections", code=unit.code)


def _first_published_link(first_day):
    """The records a 本月公开 / 本年公开 figure counts: the unit's new records since that day."""
    def link(unit):
        return url_for("publications.area_list", code=unit.code, first_from=first_day(today()).isoformat())
    return link


def _duties_link(state):
    """A village's duties, a township's villages side by side; for the county, its townships compared
    on this figure (each links on to its township's table: every village's duties at once would be
    the whole county computed on request)."""
    def link(unit):
        if unit.level == "village":
            return url_for("publications.village_duties", code=unit.code)
        if unit.level == "township":
            return url_for("publications.township_duties", code=unit.code)
        return url_for("dashboard.unit_page", code=unit.code, by=f"publications.duties_{state}", _anchor="compare")
    return link


_DUTY_WATCHES = ("publication", "duty_rule")
FIGURES = [
    Figure("publications.this_month", "本月公开", ("publication",), villages_of, this_month,
           _first_published_link(lambda day: day.replace(day=1))),
    Figure("publications.this_year", "本年公开", ("publication",), villages_of, this_year,
           _first_published_link(lambda day: day.replace(month=1, day=1))),
    Figure("publications.duties_met", "公开责任·已按时", _DUTY_WATCHES, villages_of, _duty_count("met"),
           _duties_link("met")),
    Figure("publications.duties_due", "公开责任·待公开", _DUTY_WATCHES, villages_of, _duty_count("due"),
           _duties_link("due")),
    Figure("publications.duties_overdue", "公开责任·逾期", _DUTY_WATCHES, villages_of, _duty_count("overdue"),
           _duties_link("overdue")),
    Figure("publications.objections_unanswered", "异议未答复", ("objection",), villages_of, objections_unanswered,
           _objections_link),
]


# -- open data ---------------------------------------------------------------------

def publication_rows(village_ids):
    """Every public version (published, superseded, withdrawn): masked columns only."""
    P = Publication
    query = (P.select(P.id, P.series, P.version, P.village, P.category, P.power, P.status, P.title_masked,
                      P.body_masked, P.period_start, P.period_end, P.amount, P.decided_on, P.published_at,
                      P.withdrawn_at, P.audit_index)
             .where(villages_in(P.village, village_ids) & P.status.in_(PUBLIC_STATUSES)).order_by(P.id).dicts())
    for pub in query.iterator():  # dicts, not a model object per version: a county holds 200k
        yield {"id": pub["id"], "series": pub["series"] or pub["id"], "version": pub["version"],
               "village": pub["village"], "category": pub["category"],
               "category_name": CATEGORIES.get(pub["category"], ""), "power": pub["power"] or "",
               "status": pub["status"], "title": pub["title_masked"], "body": pub["body_masked"],
               "period_start": date_text(pub["period_start"]) or "", "period_end": date_text(pub["period_end"]) or "",
               "amount": amount_text(pub["amount"]) or "", "decided_on": date_text(pub["decided_on"]) or "",
               "published_at": iso(pub["published_at"]) or "", "withdrawn_at": iso(pub["withdrawn_at"]) or "",
               "audit_index": pub["audit_index"]}


def objection_rows(village_ids):
    """Objections a supervisor let through, with the clerk's answer: no author, masked text."""
    query = (Objection.select(Objection, Publication).join(Publication)
             .where(Publication.village.in_(list(village_ids)) & (Objection.status == "shown"))
             .order_by(Objection.id))
    for obj in query.iterator():
        yield {"id": obj.id, "publication": obj.publication_id, "village": obj.publication.village_id,
               "text": obj.text_masked, "created_at": iso(obj.created_at) or "", "answer": obj.answer,
               "answered_at": iso(obj.answered_at) or ""}


EXPORTS = [
    ExportTable("publications", "公开记录（含各版本）", (
        ("id", "记录版本编号"), ("series", "同一记录各版本共用的编号（第一版的编号）"), ("version", "版本号，1为首次公开"),
        ("village", "村（社区）行政区划代码"), ("category", "公开类别代码"), ("category_name", "公开类别名称"),
        ("power", "对应的小微权力清单事项编号"), ("status", "状态：published 公开中、superseded 已被更正、withdrawn 已撤回"),
        ("title", "标题（已遮蔽个人信息）"), ("body", "正文 Markdown（已遮蔽个人信息）"),
        ("period_start", "公示期开始日期"), ("period_end", "公示期结束日期（含当日）"), ("amount", "金额（元，两位小数）"),
        ("decided_on", "决定日期"), ("published_at", "公开时间（北京时间）"), ("withdrawn_at", "撤回时间（北京时间）"),
        ("audit_index", "审计日志中公开这一版本的条目序号")), publication_rows),
    ExportTable("objections", "公示异议及答复", (
        ("id", "异议编号"), ("publication", "所针对的公开记录版本编号"), ("village", "村（社区）行政区划代码"),
        ("text", "异议内容（已遮蔽个人信息，不含提出人）"), ("created_at", "提出时间（北京时间）"),
        ("answer", "村务发布员的答复（已遮蔽个人信息）"), ("answered_at", "答复时间（北京时间）")), objection_rows),
]
