"""Red flags on seal uses, computed from the rows (never typed in): ``FlagRule``s for ``portal.redflags``.

Each per-use rule is one predicate on a use (``raises(use) -> evidence | None``) plus an SQL
pre-filter that selects every use the predicate could raise on, so ``scan`` reads only candidates
(a county's 500,000 uses are scanned in well under a second per rule) while ``check`` and ``scan``
can never disagree: the predicate decides in both. The usual-rate rule compares each village's
month with the distribution of every village-month of the same county.
"""
import statistics
from collections import namedtuple

import peewee
from peewee import fn

from portal.core.clock import iso, utcnow
from portal.core.db import database
from portal.core.domain import Flag, FlagRule
from portal.core.i18n import N_
from portal.seals import certificates
from portal.seals.models import SealUse
from portal.seals.naming import surname_only
from portal.seals.services import vote_reason
from portal.seals.vocab import LATE_AFTER_DAYS, OUT_LIMIT_HOURS
from portal.units.models import Unit


def _day(value):
    """A date as ``YYYY-MM-DD``, read raw (a cast to text) or as a date."""
    return value if isinstance(value, str) else value.isoformat()


def _keeper_approved(u):
    if u.approver and u.approver == u.keeper:
        return {"keeper": u.keeper, "approver": u.approver, "used_on": _day(u.used_on)}


def _no_approval(u):
    if not u.approver:
        return {"used_on": _day(u.used_on), "document": u.document}


def _self_approved(u):
    if u.approver and u.approver == u.applicant:
        return {"applicant": surname_only(u.applicant), "approver": surname_only(u.approver),
                "used_on": _day(u.used_on)}


def county_of_villages():
    """{village code: county code} from the units' paths (one query)."""
    rows = Unit.select(Unit.code, Unit.path).where(Unit.level == "village").tuples()
    return {code: path.strip("/").split("/")[0] for code, path in rows}


class _Lists:
    """The certificate list of each county, read once per scan."""

    def __init__(self):
        self.county = county_of_villages()
        self.by_county = {}

    def entry(self, village_code, name_or_code):
        county_code = self.county.get(village_code)
        if county_code not in self.by_county:
            county = Unit.find(county_code, "county")
            entries = certificates.list_for(county) if county else []
            self.by_county[county_code] = {key: e for e in entries for key in (e["code"], e["name"])}
        return self.by_county[county_code].get(name_or_code)

    def not_allowed_condition(self):
        """Certificates not on every county's may-issue list (the SQL pre-filter, a superset of what the
        predicate raises: most certificates a village issues are ones it may issue)."""
        allowed = None
        for county in set(self.county.values()):
            self.entry(next(v for v, c in self.county.items() if c == county), "")  # reads the county's list
            keys = {k for k, e in self.by_county[county].items() if e["kind"] == "may_issue"}
            allowed = keys if allowed is None else allowed & keys
        condition = U.certificate_name != ""
        if allowed:
            condition &= ~(U.certificate.in_(sorted(allowed)) | U.certificate_name.in_(sorted(allowed)))
        return condition


def _certificate(u, lists=None):
    if not u.certificate_name:
        return None
    entry = (lists or _Lists()).entry(u.village_id, u.certificate or u.certificate_name)
    if entry is not None and entry["kind"] == "may_issue":
        return None
    kind = entry["kind"] if entry else "unlisted"
    return {"certificate": u.certificate_name, "kind": kind,
            "kind_name": entry["kind_name"] if entry else "不在可开具清单内",
            "alternative": entry["alternative"] if entry else "", "basis": entry["basis"] if entry else "",
            "used_on": _day(u.used_on)}


def _vote_missing(u):
    if u.needs_vote and not u.decision_type:
        return {"reason": vote_reason(u.matter, u.purpose, u.document) or u.matter, "document": u.document,
                "used_on": _day(u.used_on)}


def _out_too_long(u, now=None):
    if not u.left_office or u.out_at is None:
        return None
    until = u.returned_at or (now or utcnow())
    hours = (until - u.out_at).total_seconds() / 3600
    if hours <= OUT_LIMIT_HOURS:
        return None
    return {"out_at": iso(u.out_at), "returned_at": iso(u.returned_at), "hours": round(hours, 1),
            "limit_hours": OUT_LIMIT_HOURS, "returned": u.returned_at is not None}


def _bad_state(u):
    if u.seal_state in ("suspended", "lost"):
        return {"seal_state": u.seal_state, "used_on": _day(u.used_on)}


def _late(u):
    if u.days_late > LATE_AFTER_DAYS:
        return {"used_on": _day(u.used_on), "days_late": u.days_late, "limit_days": LATE_AFTER_DAYS}


U = SealUse
# used_on is read as text: converting 100,000 dates only to print them again is most of a scan's time
BASE = (U.id, U.village.alias("village_id"), U.used_on.cast("TEXT").alias("used_on"))
# code, title, description, predicate, SQL pre-filter (a superset of what the predicate raises), the
# columns the predicate reads (scan reads only those: at county scale, converting unread dates and
# times costs more than the query)
PER_USE = [
    ("seals.keeper_approved", "保管人审批了自己保管的印章", N_("用印由本章保管人自己审批，保管与审批没有分开。"),
     _keeper_approved, lambda: (U.approver == U.keeper) & (U.approver != ""), (U.approver, U.keeper)),
    ("seals.no_approval", "用印没有审批", N_("登记的用印没有审批人。"), _no_approval, lambda: U.approver == "",
     (U.approver, U.document)),
    ("seals.self_approved", "申请人自己审批", N_("同一人既申请用印又审批。"), _self_approved,
     lambda: (U.approver == U.applicant) & (U.approver != ""), (U.approver, U.applicant)),
    ("seals.certificate_not_allowed", "开具了不该开具的证明",
     N_("证明事项在“不能开具”清单上、应以告知承诺替代，或不在可开具清单内。"), _certificate,
     lambda lists: lists.not_allowed_condition(), (U.certificate, U.certificate_name)),
    ("seals.vote_missing", "应经村民（代表）会议决定却没有关联决定",
     N_("借款、担保、工程合同、资产处置、土地事项须先经村民会议或村民代表会议决定。"), _vote_missing,
     lambda: (U.needs_vote == True) & (U.decision_type == ""),  # noqa: E712
     (U.needs_vote, U.decision_type, U.matter, U.purpose, U.document)),
    ("seals.out_too_long", "印章外带超过24小时或未归还", N_("印章带出办公室超过24小时，或至今未归还。"), _out_too_long,
     lambda: U.left_office == True, (U.left_office, U.out_at, U.returned_at)),  # noqa: E712
    ("seals.bad_seal_state", "使用了暂停或遗失的印章", N_("印章处于暂停使用或已遗失状态时仍被使用。"), _bad_state,
     lambda: U.seal_state != "in_use", (U.seal_state,)),
    ("seals.recorded_late", "用印登记不及时", N_("用印后超过1天才登记。"), _late, lambda: U.days_late > LATE_AFTER_DAYS,
     (U.days_late,)),
]


def _flag(use, evidence):
    return Flag("seal_use", use.id, use.village_id, evidence)


def _per_use_rule(code, title, description, predicate, prefilter, columns):
    fields = BASE + tuple(columns)

    def check(doc_type, object_id):
        if doc_type != "seal_use" or not str(object_id).isdigit():
            return []
        use = SealUse.select(*fields).where(SealUse.id == int(object_id)).first()
        if use is None:
            return []
        evidence = predicate(use)
        if evidence is None and predicate is not _out_too_long:
            # Only a return changes a recorded use, and only this rule reads what it changes: a use that
            # does not raise the flag now never raised it, so there is nothing to clear (and no write).
            return []
        return [_flag(use, evidence)]

    names = [getattr(c, "_alias", None) or c.name for c in fields]
    row_type = namedtuple("Use", names)
    # Only dates and times are converted (the rest the predicates read as the driver gives them): at county
    # scale peewee's per-value conversion of every column costs more than the query.
    convert = [(i, c.python_value) for i, c in enumerate(fields) if isinstance(c, peewee.DateTimeField)]

    def scan():
        lists = _Lists()
        condition = prefilter(lists) if predicate is _certificate else prefilter()
        cursor = database.execute(SealUse.select(*fields).where(condition))
        while rows := cursor.fetchmany(2000):
            for raw in rows:
                if convert:
                    raw = list(raw)
                    for i, to_python in convert:
                        raw[i] = to_python(raw[i])
                use = row_type._make(raw)
                evidence = predicate(use, lists) if predicate is _certificate else predicate(use)
                if evidence is not None:
                    yield _flag(use, evidence)

    return FlagRule(code, title, ["seal_use"], check, scan, description)


# -- the usual rate --------------------------------------------------------------------

RATE_CODE = "seals.unusual_rate"
MIN_COUNT = 10  # a month with fewer uses is never unusual


def _village_months():
    """{(village, month): (count, first use id)} from one GROUP BY."""
    query = SealUse.select(SealUse.village, SealUse.month, fn.COUNT(SealUse.id), fn.MIN(SealUse.id))
    return {(v, m): (n, first) for v, m, n, first in query.group_by(SealUse.village, SealUse.month).tuples()}


def thresholds(months, county=None):
    """Per county: the median village-month and the bar above which a month is unusual
    (the upper quartile plus three interquartile ranges, at least three times the median)."""
    county = county or county_of_villages()
    by_county = {}
    for (village, _month), (count, _first) in months.items():
        by_county.setdefault(county.get(village), []).append(count)
    out = {}
    for county, counts in by_county.items():
        counts.sort()
        median = statistics.median(counts)
        q1, _q2, q3 = statistics.quantiles(counts, n=4) if len(counts) > 1 else (counts[0],) * 3
        out[county] = {"median": median, "q3": q3, "bar": max(q3 + 3 * (q3 - q1), 3 * median, MIN_COUNT),
                       "village_months": len(counts)}
    return out


def _rate_flags(months, bars, county, only_village=None, only_month=None):
    for (village, month), (count, first) in months.items():
        if (only_village and village != only_village) or (only_month and month != only_month):
            continue
        bar = bars[county.get(village)]
        evidence = None
        if count > bar["bar"]:
            evidence = {"month": month, "count": count, "county_median": bar["median"],
                        "county_upper_quartile": bar["q3"], "threshold": round(bar["bar"], 1),
                        "village_months": bar["village_months"]}
        yield Flag("seal_use", first, village, evidence)


def _rate_check(doc_type, object_id):
    if doc_type != "seal_use" or not str(object_id).isdigit():
        return []
    use = SealUse.select(SealUse.village, SealUse.month).where(SealUse.id == int(object_id)).first()
    if use is None:
        return []
    months, county = _village_months(), county_of_villages()
    return list(_rate_flags(months, thresholds(months, county), county, use.village_id, use.month))


def _rate_scan():
    months, county = _village_months(), county_of_villages()
    return [f for f in _rate_flags(months, thresholds(months, county), county) if f.evidence is not None]


RULES = [_per_use_rule(*spec) for spec in PER_USE] + [
    FlagRule(RATE_CODE, "当月用印次数远高于全县通常水平", ["seal_use"], _rate_check, _rate_scan, description=N_(
        "本村当月用印次数超过全县各村各月分布的上四分位数加三倍四分位距"
        "（且不低于中位数的三倍、不少于10次），证据中列出比较所用的数字。"))]
