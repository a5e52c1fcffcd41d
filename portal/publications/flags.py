"""Red flags of publications, computed from the rows (never typed in): ``FlagRule``s for ``portal.redflags``.

- ``publications.duty_overdue``: a village with a publication duty overdue (公开责任逾期, the states of
  ``duties``: the same measure as the village's ``/v/<code>/duties`` page), one flag per village, the
  overdue duties named in the evidence;
- ``publications.objection_unanswered``: a 公示 with an objection (异议) shown to the public and left
  unanswered longer than ``PUBLICATIONS_OBJECTION_ANSWER_DAYS`` days (default 7), one flag per publication.

``check`` and ``scan`` compute through the same function (one village / one publication, or all), so they
cannot disagree. Both read public rows only: a pending objection is not public and is not counted.
"""
import datetime
import os

from flask import current_app, has_app_context

from portal.core.clock import iso, today, utcnow
from portal.core.domain import Flag, FlagRule
from portal.core.errors import fill
from portal.core.i18n import N_
from portal.publications import duties
from portal.publications.categories import PUBLIC_STATUSES
from portal.publications.subjects import VILLAGE_DUTIES
from portal.publications.models import DutyRule, Objection, Publication
from portal.units.models import Unit

DUTY_CODE = "publications.duty_overdue"
OBJECTION_CODE = "publications.objection_unanswered"
DEFAULT_ANSWER_DAYS = 7
DUTY_TEXT = N_("本村有%(n)s项公开责任逾期未公开：%(names)s。")
OBJECTION_TEXT = N_("公示有%(n)s条已公开的异议超过%(days)s天未答复。")


def _said(template, **params):
    """Evidence's words: ``text`` (Chinese) and the ``template`` with its ``params``, so a page and the API
    say it in the reader's language."""
    return {"text": fill(template, params), "template": template, "params": params}


def answer_days(app=None):
    """Days a shown objection may wait for its answer before it is a red flag (configurable)."""
    app = app or (current_app if has_app_context() else None)
    value = app.config.get("PUBLICATIONS_OBJECTION_ANSWER_DAYS") if app is not None else None
    if value is None:
        value = os.environ.get("PORTAL_PUBLICATIONS_OBJECTION_ANSWER_DAYS", DEFAULT_ANSWER_DAYS)
    return max(0, int(value))


# -- publication duties overdue ---------------------------------------------------------------

def overdue_by_village(codes, on=None):
    """{village code: [(duty rule, deadline)]} of the duties overdue on ``on`` (every village in
    ``codes`` present): the same states as ``duties.duty_status``, two queries per periodic rule."""
    on = on or today()
    codes = list(codes)
    out = {code: [] for code in codes}
    for rule in DutyRule.select().where(DutyRule.active).order_by(DutyRule.id):
        if rule.kind == "amount":
            for village in Unit.select().where(Unit.code.in_(codes)):
                status = duties._amount_status(village, rule, on)
                if status["state"] == "overdue":
                    late = [m["deadline"] for m in status["matters"] if m["state"] == "overdue"]
                    out[village.code].append((rule, min(late) if late else status["deadline"]))
            continue
        (current_start, current_end), (prev_start, prev_end), grace = duties._periods(rule, on)
        prev_met = duties._villages_published_between(codes, rule, prev_start, min(prev_end + grace, on))
        current_met = duties._villages_published_between(codes, rule, current_start, on)
        for code in codes:
            state, deadline = duties._periodic_state(code in prev_met, code in current_met, on, prev_end,
                                                     current_end, grace)
            if state == "overdue":
                out[code].append((rule, deadline))
    return out


def _duty_flag(code, overdue):
    evidence = None
    if overdue:
        names = [rule.name for rule, _deadline in overdue]
        evidence = {"duties": names, "overdue_since": min(d for _r, d in overdue).isoformat(),
                    "url": f"/v/{code}/duties", **_said(DUTY_TEXT, n=len(names), names="、".join(names))}
    return Flag(VILLAGE_DUTIES.name, int(code), code, evidence)


def _villages():
    return [code for (code,) in Unit.select(Unit.code).where(Unit.level == "village").tuples()]


def _duty_flags(codes):
    return [_duty_flag(code, overdue) for code, overdue in overdue_by_village(codes).items()]


def _duty_check(doc_type, object_id):
    if not str(object_id).isdigit():
        return []
    if doc_type == "duty_rule":  # a new or stopped duty moves every village
        return _duty_flags(_villages())
    pub = Publication.select(Publication.village, Publication.category, Publication.status).where(
        Publication.id == int(object_id)).first()
    if pub is None or not _may_move_duties(pub):
        return []
    return _duty_flags([pub.village_id])


def _may_move_duties(pub):
    """Whether a change of ``pub`` can move its village's duty states: only the rules of its category
    count it, a periodic rule only once it is public (an amount rule counts a matter's draft too, by
    its decision date). Skipping the rest spares every draft and approval the whole recompute
    (eleven queries after commit, most of a publish's time)."""
    kinds = {kind for (kind,) in DutyRule.select(DutyRule.kind).where(
        DutyRule.active & (DutyRule.category == pub.category)).tuples()}
    return "amount" in kinds or (bool(kinds) and pub.status in PUBLIC_STATUSES)


def _duty_scan():
    return [f for f in _duty_flags(_villages()) if f.evidence is not None]


# -- objections unanswered --------------------------------------------------------------------

def unanswered_by_publication(pub_ids=None, now=None):
    """{publication id: (village code, count, first lodged)} of shown objections unanswered past the days
    allowed, of the publications ``pub_ids`` (None: all)."""
    from peewee import fn
    limit = (now or utcnow()) - datetime.timedelta(days=answer_days())
    query = (Objection.select(Objection.publication, Publication.village, fn.COUNT(Objection.id),
                              fn.MIN(Objection.created_at))
             .join(Publication, on=(Objection.publication == Publication.id))
             .where((Objection.status == "shown") & Objection.answered_at.is_null() & (Objection.created_at < limit))
             .group_by(Objection.publication, Publication.village))
    if pub_ids is not None:
        query = query.where(Objection.publication.in_(list(pub_ids)))
    out = {}
    for pub_id, village, count, first in query.tuples():
        if isinstance(first, str):
            first = Objection.created_at.python_value(first)
        out[int(pub_id)] = (village, count, first)
    return out


def _objection_flag(pub_id, village, found):
    evidence = None
    if found:
        _village, count, first = found
        days = answer_days()
        evidence = {"unanswered": count, "lodged_at": iso(first), "answer_days": days,
                    **_said(OBJECTION_TEXT, n=count, days=days)}
    return Flag("publication", pub_id, village, evidence)


def _objection_check(doc_type, object_id):
    if not str(object_id).isdigit():
        return []
    if doc_type == "objection":
        obj = Objection.select(Objection.publication).where(Objection.id == int(object_id)).first()
        if obj is None:
            return []
        pub_id = obj.publication_id
    else:
        pub_id = int(object_id)
    pub = Publication.select(Publication.id, Publication.village).where(Publication.id == pub_id).first()
    if pub is None:
        return []
    return [_objection_flag(pub.id, pub.village_id, unanswered_by_publication([pub.id]).get(pub.id))]


def _objection_scan():
    return [_objection_flag(pub_id, found[0], found) for pub_id, found in unanswered_by_publication().items()]


RULES = [
    FlagRule(DUTY_CODE, N_("公开责任逾期未公开"), ["publication", "duty_rule"], _duty_check, _duty_scan,
             N_("按公开责任规则，上一期（或按金额须公开的事项）过了宽限期仍没有公开：与本村“公开责任”页的逾期状态相同。")),
    FlagRule(OBJECTION_CODE, N_("公示异议超期未答复"), ["objection", "publication"], _objection_check,
             _objection_scan,
             N_("村民对公示提出、经审核公开的异议，超过规定天数仍没有答复（天数可配置，默认7天）。")),
]
