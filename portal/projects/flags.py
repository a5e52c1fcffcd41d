"""Red flags of village works, computed from the rows at county scale (never typed in).

Following the Open Contracting red-flag guide (2024) where it applies to village works. Each
rule is a ``FlagRule``: ``check`` re-evaluates the project that changed (and the group it
belongs to, for the rules comparing processes), ``scan`` the whole county from one bulk read.
Evidence carries a Chinese summary and the numbers that decided it — never a phone number.
"""
import datetime
import statistics
from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace

from portal.core.clock import local_date
from portal.core.domain import Flag, FlagRule
from portal.core.errors import fill
from portal.core.i18n import N_
from portal.core.money import amount_text
from portal.projects import settings
from portal.projects.models import Amendment, Bid, Project, Release

WATCHES = ("project",)
AWARDED = ("awarded", "contracted")
SPLIT_DAYS = 90
SPLIT_BAND = Decimal("0.8")  # "just below" a threshold: at least 80% of it
SIMILAR = 0.5  # title similarity (character bigram Jaccard) for "a similar object"
MIN_COMPARABLE = 10  # outlier fences only with at least this many comparable processes
ROTATION_MIN = 3  # processes with the same group of bidders
SERIAL_VILLAGES = 3  # villages one winner won in within a year


# -- facts: one bulk read for the county, or the rows of a few projects ------------------------

def _facts(query):
    projects = {}
    for (pid, village, title, budget, procedure, state, start, deadline, created, award_bid, award_amount,
         award_reason, contract_amount, contract_value, paid, gap, bkey, wkey) in query.tuples().iterator():
        projects[pid] = SimpleNamespace(
            id=pid, village=village, title=title, budget=budget, procedure=procedure, state=state, start=start,
            deadline=deadline, day=local_date(start or created), award_bid=award_bid, award_amount=award_amount,
            award_reason=award_reason, contract_amount=contract_amount, contract_value=contract_value,
            paid=paid, gap=gap, bidder_key=bkey, winner_key=wkey, bids=[])
    if projects:
        ids = list(projects)
        bids = Bid.select(Bid.project, Bid.id, Bid.bidder, Bid.credit_code, Bid.contact, Bid.amount, Bid.late,
                          Bid.status)
        bids = bids.where(Bid.project.in_(ids)) if len(ids) < 500 else bids
        for pid, bid, bidder, code, contact, amount, late, status in bids.tuples().iterator():
            if pid in projects:
                projects[pid].bids.append(SimpleNamespace(id=bid, bidder=bidder, code=code, contact=contact,
                                                          amount=amount, late=late, status=status))
    return projects


def _select():
    P = Project
    return P.select(P.id, P.village, P.title, P.budget, P.procedure, P.state, P.tender_start, P.tender_deadline,
                    P.created_at, P.award_bid, P.award_amount, P.award_reason, P.contract_amount, P.contract_value,
                    P.paid_total, P.bid_gap, P.bidder_key, P.winner_key)


_snapshot = {"mark": None, "facts": None}


def county_facts():
    """Every process of the county, read once per change of the data (rebuild runs every rule on it)."""
    from peewee import fn
    from portal.core.db import database
    mark = (id(database.obj), Release.select(fn.MAX(Release.id)).scalar(), Project.select(fn.COUNT(Project.id)).scalar())
    if _snapshot["mark"] != mark:
        _snapshot.update(mark=mark, facts=_facts(_select()))
    return _snapshot["facts"]


def facts_of(ids):
    return _facts(_select().where(Project.id.in_(list(ids)))) if ids else {}


_one = {}
_MARK_SQL = {}


def _mark_of(pid):
    """(audit index, release seq, village, tender start, created, bidder key, winner key) of one project, or
    None. Read with SQL built once per database: after every change each of the 15 rules asks for it, and
    building the statement costs more than running it."""
    from portal.core.db import database
    P = Project
    key = id(database.obj)
    if key not in _MARK_SQL:
        _MARK_SQL.clear()
        _MARK_SQL[key] = P.select(P.audit_index, P.release_seq, P.village, P.tender_start, P.created_at,
                                  P.bidder_key, P.winner_key).where(P.id == 0).sql()[0]
    row = database.execute_sql(_MARK_SQL[key], (pid,)).fetchone()
    if row is None:
        return None
    audit, seq, village, start, created, bkey, wkey = row
    return SimpleNamespace(audit_index=audit, release_seq=seq, village_id=village,
                           tender_start=P.tender_start.python_value(start),
                           created_at=P.created_at.python_value(created), bidder_key=bkey, winner_key=wkey)


def facts_of_one(pid):
    """One project's facts, shared by the rules re-run after the same change (keyed by its audit index)."""
    from portal.core.db import database
    row = _mark_of(pid)
    mark = (id(database.obj),) + ((row.audit_index, row.release_seq) if row else ())
    cached = _one.get(pid)
    if cached is None or cached[0] != mark:
        if len(_one) > 256:
            _one.clear()
        _one[pid] = cached = (mark, facts_of([pid]))
    return cached[1]


def _yuan(v):
    return amount_text(v)


def _said(template, **params):
    """Evidence's words: ``text`` (Chinese, filled) and the ``template`` with its ``params``, so a page and the
    API say it in the reader's language (``portal.core.api.localized``)."""
    return {"text": fill(template, params), "template": template, "params": params}


def _winner(p):
    return next((b for b in p.bids if b.id == p.award_bid), None)


def _valid(p):
    return [b for b in p.bids if b.status == "valid"]


# -- single-process rules: fn(facts) -> evidence or None ---------------------------------------

def short_period(p):
    if not (p.start and p.deadline):
        return None
    days = (p.deadline - p.start).total_seconds() / 86400
    minimum = settings.min_days(p.procedure)
    if days >= minimum:
        return None
    return dict(_said(N_("投标期仅 %(days)s 天，低于%(procedure)s的最短 %(minimum)s 天。"), days=f"{days:.1f}",
                      procedure=settings.PROCEDURES[p.procedure], minimum=minimum),
                days=round(days, 2), minimum_days=minimum)


def single_bid(p):
    if p.state not in ("evaluated",) + AWARDED or len(p.bids) != 1:
        return None
    return dict(_said(N_("只有一家单位投标。")), bids=1)


def lowest_not_awarded(p):
    w = _winner(p)
    valid = _valid(p)
    if w is None or not valid:
        return None
    lowest = min(valid, key=lambda b: b.amount)
    if w.amount <= lowest.amount:
        return None
    if p.award_reason:
        said = _said(N_("中标报价 %(winning)s 元高于最低有效报价 %(lowest)s 元；定标理由：%(reason)s"),
                     winning=_yuan(w.amount), lowest=_yuan(lowest.amount), reason=p.award_reason)
    else:
        said = _said(N_("中标报价 %(winning)s 元高于最低有效报价 %(lowest)s 元；未写明理由。"),
                     winning=_yuan(w.amount), lowest=_yuan(lowest.amount))
    return dict(said, winning_bid=_yuan(w.amount), lowest_valid_bid=_yuan(lowest.amount),
                reason=p.award_reason or None)


def near_budget(p):
    if p.award_amount is None or not p.budget:
        return None
    ratio = float(p.award_amount / p.budget)
    if ratio < 0.99:
        return None
    return dict(_said(N_("中标金额为预算的 %(ratio)s（不低于99%%）。"), ratio=f"{ratio:.1%}"),
                award=_yuan(p.award_amount), budget=_yuan(p.budget), ratio=round(ratio, 4))


def identical_bids(p):
    by_amount = defaultdict(set)
    for b in p.bids:
        by_amount[b.amount].add(b.code or b.bidder)
    same = {a: names for a, names in by_amount.items() if len(names) > 1}
    if not same:
        return None
    amount = min(same)
    return dict(_said(N_("%(n)s 家投标单位报价完全相同（%(amount)s 元）。"), n=len(same[amount]),
                      amount=_yuan(amount)), amount=_yuan(amount), bidders=len(same[amount]))


def late_winner(p):
    w = _winner(p)
    if w is None or not w.late:
        return None
    return dict(_said(N_("中标单位的投标文件在截止时间之后送达。")), bid=w.id)


def others_disqualified(p):
    w = _winner(p)
    if w is None or len(p.bids) < 2 or any(b.status != "disqualified" for b in p.bids if b.id != w.id):
        return None
    return dict(_said(N_("除中标单位外，其余 %(n)s 家投标均被判无效。"), n=len(p.bids) - 1),
                disqualified=len(p.bids) - 1)


def lowest_disqualified(p):
    if len(p.bids) < 2:
        return None
    lowest = min(p.bids, key=lambda b: b.amount)
    if lowest.status != "disqualified":
        return None
    return dict(_said(N_("最低报价（%(amount)s 元）被判无效。"), amount=_yuan(lowest.amount)),
                lowest_bid=_yuan(lowest.amount))


def amendments_raise(p):
    if p.contract_amount is None or not p.contract_value or p.contract_value <= p.contract_amount * Decimal("1.1"):
        return None
    rise = float(p.contract_value / p.contract_amount - 1)
    return dict(_said(N_("合同变更使金额上涨 %(rise)s（超过10%%）。"), rise=f"{rise:.1%}"),
                signed=_yuan(p.contract_amount), current=_yuan(p.contract_value), rise=round(rise, 4))


def overpaid(p):
    if p.contract_value is None or not p.paid or p.paid <= p.contract_value:
        return None
    return dict(_said(N_("已支付 %(paid)s 元，超过合同金额 %(contract)s 元。"), paid=_yuan(p.paid),
                      contract=_yuan(p.contract_value)), paid=_yuan(p.paid), contract=_yuan(p.contract_value))


def shared_identity(p):
    for attr, label in (("code", N_("统一社会信用代码")), ("contact", N_("联系电话"))):
        seen = defaultdict(set)
        for b in p.bids:
            if getattr(b, attr):
                seen[getattr(b, attr)].add(b.bidder)
        shared = [names for names in seen.values() if len(names) > 1]
        if shared:
            return dict(_said(N_("%(bidders)s 登记了相同的%(field)s。"), bidders=sorted(shared[0]), field=label),
                        field=attr, bidders=sorted(shared[0]))
    return None


SINGLE = [
    ("projects.R003", N_("投标期过短"), short_period, N_("投标截止时间距公告发布短于县里规定的最短天数，潜在投标人来不及准备。")),
    ("projects.R018", N_("只有一家投标"), single_bid, N_("只有一家单位投标，没有竞争。")),
    ("projects.R_LOWEST", N_("未授予最低有效报价"), lowest_not_awarded, N_("中标的不是最低有效报价；须有充分理由。")),
    ("projects.R031", N_("中标价贴近或超过预算"), near_budget, N_("中标金额在预算的1%以内或高于预算，可能预算或报价信息泄露。")),
    ("projects.R028", N_("报价完全相同"), identical_bids, N_("不同单位报价一模一样，可能串通投标。")),
    ("projects.R030", N_("逾期投标中标"), late_winner, N_("截止后送达的投标中标。")),
    ("projects.R035", N_("其余投标均无效"), others_disqualified, N_("除中标者外的投标全部被判无效。")),
    ("projects.R036", N_("最低报价被判无效"), lowest_disqualified, N_("最低报价被判无效，需核查理由。")),
    ("projects.R069", N_("合同变更涨价超过10%"), amendments_raise, N_("签约后通过变更使合同金额上涨超过10%。")),
    ("projects.R068", N_("支付超过合同金额"), overpaid, N_("累计支付超过（变更后的）合同金额。")),
    ("projects.R_SHARED", N_("投标单位信息相同"), shared_identity, N_("不同投标单位登记了相同的信用代码或联系电话，可能是同一实际控制人。")),
]


# -- rules comparing processes -----------------------------------------------------------------

def _quartiles(values):
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


_fences = {"mark": None, "value": None}


def gap_fences(facts=None):
    """(low, high, n) fences of the winning-to-second-lowest gap over the county, or None (<10).

    Read from the one column the award keeps; recomputed only when the gaps changed (their count and sum)."""
    if facts is None:
        from peewee import fn
        from portal.core.db import database
        mark = (id(database.obj),) + (Project.select(fn.COUNT(Project.bid_gap), fn.SUM(Project.bid_gap))
                                      .where(Project.bid_gap.is_null(False)).tuples().first())
        if _fences["mark"] == mark:
            return _fences["value"]
        gaps = [g for (g,) in Project.select(Project.bid_gap).where(Project.bid_gap.is_null(False)).tuples()]
        _fences.update(mark=mark, value=_compute_fences(gaps))
        return _fences["value"]
    return _compute_fences([p.gap for p in facts.values() if p.gap is not None])


def _compute_fences(gaps):
    if len(gaps) < MIN_COMPARABLE:
        return None
    q1, q3 = _quartiles(gaps)
    iqr = q3 - q1
    return q1 - 1.5 * iqr, q3 + 1.5 * iqr, len(gaps)


def gap_outlier(p, fences):
    if p.gap is None or fences is None:
        return None
    low, high, n = fences
    if low <= p.gap <= high:
        return None
    return dict(_said(N_("中标价与次低报价相差 %(gap)s，超出全县 %(n)s 个可比项目的正常范围（%(low)s 至 %(high)s）。"),
                      gap=f"{p.gap:.1%}", n=n, low=f"{low:.1%}", high=f"{high:.1%}"),
                gap=round(p.gap, 4), low_fence=round(low, 4), high_fence=round(high, 4), comparable=n)


def _bigrams(text):
    text = "".join(ch for ch in text if not ch.isdigit() and not ch.isspace())
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def similar(a, b):
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x | y else 0.0


def _just_below(budget):
    for procedure, below in settings.thresholds():
        if below * SPLIT_BAND <= budget < below:
            return procedure, below
    return None


def split_groups(projects):
    """Projects of one village, similar titles, budgets just below one threshold, within 90 days."""
    out = {}
    near = sorted((p for p in projects if p.day and _just_below(p.budget)), key=lambda p: p.day)
    for i, p in enumerate(near):
        group = [q for q in near if q.id != p.id and abs((q.day - p.day).days) <= SPLIT_DAYS
                 and _just_below(q.budget) == _just_below(p.budget) and similar(p.title, q.title) >= SIMILAR]
        if group:
            limit = _just_below(p.budget)[1]
            total = p.budget + sum(q.budget for q in group)
            out[p.id] = dict(_said(N_("本村 %(days)s 天内有 %(n)s 个相似项目，预算均略低于 %(limit)s 元的限额，合计 %(total)s 元。"),
                                   days=SPLIT_DAYS, n=len(group) + 1, limit=_yuan(limit), total=_yuan(total)),
                             threshold=_yuan(limit), projects=sorted([p.id] + [q.id for q in group]),
                             total=_yuan(total))
    return out


def rotation(projects):
    """The same group of bidders (>=2) in >=3 processes, the wins rotating among them."""
    out = {}
    groups = defaultdict(list)
    for p in projects:
        if p.bidder_key and len(p.bids) >= 2 and p.winner_key:
            groups[p.bidder_key].append(p)
    for group in groups.values():
        winners = {p.winner_key for p in group}
        if len(group) >= ROTATION_MIN and len(winners) >= 2:
            names = sorted({_winner(p).bidder for p in group if _winner(p)})
            for p in group:
                out[p.id] = dict(_said(N_("同一组投标单位在 %(n)s 个项目中轮流中标（%(winners)s）。"), n=len(group),
                                       winners=names), projects=sorted(q.id for q in group), winners=names)
    return out


def serial_winner(projects):
    """One winner in >= 3 villages within a year."""
    out = {}
    by_winner = defaultdict(list)
    for p in projects:
        if p.winner_key and p.day:
            by_winner[p.winner_key].append(p)
    for wins in by_winner.values():
        wins.sort(key=lambda p: p.day)
        for p in wins:
            year = [q for q in wins if abs((q.day - p.day).days) <= 365]
            villages = {q.village for q in year}
            if len(villages) >= SERIAL_VILLAGES:
                name = _winner(p).bidder if _winner(p) else p.winner_key
                out[p.id] = dict(_said(N_("%(name)s 一年内在 %(n)s 个村中标。"), name=name, n=len(villages)),
                                 villages=len(villages), projects=sorted(q.id for q in year))
    return out


# -- FlagRules -----------------------------------------------------------------------------

def _single_rule(code, title, fn, description):
    def check(doc_type, object_id):
        if doc_type != "project":
            return []
        facts = facts_of_one(int(object_id))
        return [Flag("project", p.id, p.village, fn(p)) for p in facts.values()]

    def scan():
        for p in county_facts().values():
            evidence = fn(p)
            if evidence:
                yield Flag("project", p.id, p.village, evidence)
    return FlagRule(code, title, WATCHES, check, scan, description)


def _peers(project_id, field):
    row = _mark_of(project_id)
    if row is None:
        return {}
    if field == "village":
        lo, hi = (row.tender_start or row.created_at) - datetime.timedelta(days=2 * SPLIT_DAYS), \
            (row.tender_start or row.created_at) + datetime.timedelta(days=2 * SPLIT_DAYS)
        ids = [i for (i,) in Project.select(Project.id).where(
            (Project.village == row.village_id) & (Project.created_at.between(lo, hi))).tuples()] + [project_id]
    else:
        value = getattr(row, field)
        if not value:
            return facts_of_one(project_id)
        ids = [i for (i,) in Project.select(Project.id).where(getattr(Project, field) == value).tuples()]
    return facts_of(set(ids))


def _group_rule(code, title, fn, field, description):
    def check(doc_type, object_id):
        if doc_type != "project":
            return []
        facts = _peers(int(object_id), field)
        raised = fn(list(facts.values()))
        return [Flag("project", p.id, p.village, raised.get(p.id)) for p in facts.values()]

    def scan():
        facts = county_facts()
        by_key = defaultdict(list)
        for p in facts.values():
            by_key[p.village if field == "village" else "county"].append(p)
        for projects in by_key.values():
            for pid, evidence in fn(projects).items():
                yield Flag("project", pid, facts[pid].village, evidence)
    return FlagRule(code, title, WATCHES, check, scan, description)


def _outlier_rule():
    def check(doc_type, object_id):
        if doc_type != "project":
            return []
        fences = gap_fences()
        return [Flag("project", p.id, p.village, gap_outlier(p, fences)) for p in facts_of_one(int(object_id)).values()]

    def scan():
        facts = county_facts()
        fences = gap_fences(facts)
        for p in facts.values():
            evidence = gap_outlier(p, fences)
            if evidence:
                yield Flag("project", p.id, p.village, evidence)
    return FlagRule("projects.R024", N_("中标价与次低价差距异常"), WATCHES, check, scan,
                    N_("中标价与次低报价的差距落在全县可比项目的四分位围栏（Q1−1.5IQR、Q3+1.5IQR）之外（R024/R058）。"))


GROUP = [
    ("projects.R011", N_("疑似拆分项目规避招标"), split_groups, "village",
     N_("同村90天内相似项目的预算都略低于同一采购方式限额（R011/R055）。")),
    ("projects.R057", N_("投标人轮流中标"), rotation, "bidder_key", N_("同一组投标单位在多个项目中轮流中标。")),
    ("projects.R_SERIAL", N_("同一单位跨村频繁中标"), serial_winner, "winner_key", N_("同一单位一年内在三个以上村中标。")),
]
RULES = [_single_rule(*r) for r in SINGLE] + [_outlier_rule()] + [_group_rule(*r) for r in GROUP]
TITLES = {r.code: r.title for r in RULES}


def flags_of_project(row):
    """The flags this project raises now (the project page and list; the lead's store keeps history)."""
    facts = facts_of([row.id])
    p = facts.get(row.id)
    if p is None:
        return []
    out = [(code, title, fn(p)) for code, title, fn, _d in SINGLE]
    out.append(("projects.R024", TITLES["projects.R024"], gap_outlier(p, gap_fences())))
    for code, title, fn, field, _d in GROUP:
        out.append((code, title, fn(list(_peers(row.id, field).values())).get(row.id)))
    return [SimpleNamespace(code=c.split(".", 1)[1], title=t, text=evidence_text(e), evidence=e) for c, t, e in out if e]


def evidence_text(evidence):
    """The evidence's words in the request's language (Chinese when stored before it carried a template)."""
    from portal.core.api import localized
    if evidence.get("template"):
        return localized(evidence["template"], evidence.get("params"))
    return evidence.get("text", "")


def counts_for(ids):
    out = {}
    for pid in ids:
        row = Project.get_or_none(Project.id == pid)
        if row is not None:
            n = len(flags_of_project(row))
            if n:
                out[pid] = n
    return out


__all__ = ["Amendment", "RULES"]
