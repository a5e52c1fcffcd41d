"""Warnings computed from the rows, never typed in: the three capitals' red-flag rules.

Each rule is a ``FlagRule`` (portal.core.domain): ``scan()`` yields every flag
raised today county-wide, ``check(doc_type, object_id)`` re-evaluates what one
change may have moved (a village's entries, a contract and its township's
comparables) and clears with ``evidence=None``. Rules read public rows only:
published entries, recorded contracts. Every evidence carries the ``url`` of
what raised it. Thresholds are configuration: ``LEDGER_CASH_LIMIT`` (yuan,
default 5000), ``LEDGER_DECISION_THRESHOLD`` (yuan, default 30000).

The rent fence is Tukey's lower fence Q1 − 1.5 × IQR of the per-亩 rents of
comparable leases in the township (same unit, same register kind where the
lease names an asset), quartiles by the inclusive method; shown only where
there are at least 8 comparables, with the fence values in the evidence.
"""
import datetime
import itertools
import json
import statistics

from flask import current_app
from peewee import JOIN, Case, fn

from portal.core.clock import today
from portal.core.domain import Flag, FlagRule
from portal.core.i18n import N_
from portal.ledger.models import Asset, Contract, Entry, Opening
from portal.ledger.rows import fen_text, uscc_valid
from portal.units.models import Unit

MIN_COMPARABLES = 8
EXPIRY_BANDS = (30, 60, 90)


def _entry_url(entry_id):
    """A path, not a URL: rules run after commit, outside any request."""
    return f"/r/ledger_entry/{entry_id}"


def _contract_url(contract_id):
    return f"/r/ledger_contract/{contract_id}"


def _limit_fen(key, default):
    return int(current_app.config.get(key, default)) * 100


def _entry_flag(e, evidence):
    return Flag("ledger_entry", e.id, e.village_id, evidence)


def _published(village=None):
    cond = Entry.state == "published"
    return cond & (Entry.village == village) if village else cond


# -- cash on hand above the limit at a day's end ---------------------------------------

def _cash_days(days, opening_fen, limit):
    """[(last entry id of the day, village, date, end-of-day cash, raised)] from one village's ``days``
    ((village, date, the day's net cash movement, the day's last entry id), in date order)."""
    balance, out = opening_fen, []
    for village, day, delta, last_id in days:
        balance += int(delta or 0)
        out.append((last_id, village, _as_date(day), balance, balance > limit))
    return out


def _cash_flag(entry_id, village, day, balance, raised, limit):
    evidence = {"date": day.isoformat(), "cash_balance": fen_text(balance), "limit": fen_text(limit),
                "url": _entry_url(entry_id)} if raised else None
    return Flag("ledger_entry", entry_id, village, evidence)


def _cash_rows(village=None):
    """Each day's net cash movement and its last entry, summed in SQL (from the statements' covering index)."""
    signed = Case(None, [(Entry.direction == "income", Entry.amount_fen)], Entry.amount_fen * -1)
    return (Entry.select(Entry.village, Entry.date, fn.SUM(signed), fn.MAX(Entry.id))
            .where(_published(village) & (Entry.settlement == "cash"))
            .group_by(Entry.village, Entry.date).order_by(Entry.village, Entry.date).tuples())


def _cash_flags(village):
    """Every day's last cash entry of the village, raised or cleared (what one change may move)."""
    limit = _limit_fen("LEDGER_CASH_LIMIT", 5000)
    opening = Opening.get_or_none(Opening.village == village)
    days = _cash_days(_cash_rows(village), opening.cash_fen if opening else 0, limit)
    return [_cash_flag(*day, limit) for day in days]


def scan_cash(village=None):
    """The county (or one village) in one ordered read: each village's cash balance at each day's end."""
    if village is not None:
        yield from (f for f in _cash_flags(village) if f.evidence)
        return
    limit = _limit_fen("LEDGER_CASH_LIMIT", 5000)
    openings = {v: cash for v, cash in Opening.select(Opening.village, Opening.cash_fen).tuples()}
    rows = _cash_rows().iterator()
    for village, group in itertools.groupby(rows, key=lambda r: r[0]):
        for day in _cash_days(group, openings.get(village, 0), limit):
            if day[4]:
                yield _cash_flag(*day, limit)


def _village_of_entry(doc_type, object_id):
    if doc_type == "ledger_entry":
        e = Entry.get_or_none(Entry.id == int(object_id))
        return e.village_id if e else None
    if doc_type == "ledger_period":
        from portal.ledger.models import Period
        p = Period.get_or_none(Period.id == int(object_id))
        return p.village_id if p else None
    return None


def check_cash(doc_type, object_id):
    village = _village_of_entry(doc_type, object_id)
    return _cash_flags(village) if village else []


# -- expenses without an invoice, or above the threshold without a decision -----------

def _reversed_ids(village=None):
    q = Entry.select(Entry.reverses).where(Entry.reverses.is_null(False))
    return {r for (r,) in (q.where(Entry.village == village) if village else q).tuples()}


def _expense_query(village=None):
    return Entry.select().where(_published(village) & (Entry.direction == "expense") & (Entry.amount_fen > 0) &
                                Entry.reverses.is_null())


def _no_invoice_flags(village=None, only=None):
    reversed_ids = _reversed_ids(village)
    query = _expense_query(village).select(Entry.id, Entry.village, Entry.voucher_no, Entry.amount_fen,
                                           Entry.date, Entry.invoice_count)
    if only is not None:
        query = query.where(Entry.id.in_(only))
    for e in query:
        raised = e.invoice_count == 0 and e.id not in reversed_ids
        yield _entry_flag(e, {"voucher_no": e.voucher_no, "date": e.date.isoformat(), "amount": fen_text(e.amount_fen),
                              "url": _entry_url(e.id)} if raised else None)


def _not_reversed():
    reversed_ids = Entry.select(Entry.reverses).where(Entry.reverses.is_null(False))
    return Entry.id.not_in(reversed_ids)


def scan_no_invoice(village=None):
    """The raised ones only, filtered in SQL: an expense whose ``invoice_count`` is 0 (kept by each attach;
    an index holds the few such rows of a county), not reversed. ``amount_fen > 0`` leaves the reversals
    out (only a reversal is negative); a ``reverses IS NULL`` term would lead SQLite to that column's index."""
    query = (Entry.select(Entry.id, Entry.village, Entry.voucher_no, Entry.amount_fen, Entry.date)
             .where(_published(village) & (Entry.direction == "expense") & (Entry.invoice_count == 0) &
                    (Entry.amount_fen > 0) & _not_reversed()))
    for entry_id, village, voucher, amount, day in query.tuples().iterator():
        yield Flag("ledger_entry", entry_id, village, {"voucher_no": voucher, "date": day.isoformat(),
                                                      "amount": fen_text(amount), "url": _entry_url(entry_id)})


def _entry_ids(doc_type, object_id):
    if doc_type == "ledger_entry":
        e = Entry.get_or_none(Entry.id == int(object_id))
        if e is None:
            return []
        return [e.id] + ([e.reverses_id] if e.reverses_id else [])
    if doc_type == "ledger_period":
        from portal.ledger.models import Period
        p = Period.get_or_none(Period.id == int(object_id))
        return [i for (i,) in Entry.select(Entry.id).where((Entry.village == p.village_id) &
                                                            (Entry.month == p.month)).tuples()] if p else []
    return []


def check_no_invoice(doc_type, object_id):
    ids = _entry_ids(doc_type, object_id)
    return list(_no_invoice_flags(only=ids)) if ids else []


def _no_decision_flags(village=None, only=None):
    threshold = _limit_fen("LEDGER_DECISION_THRESHOLD", 30000)
    reversed_ids = _reversed_ids(village)
    query = _expense_query(village).where(Entry.amount_fen >= threshold)
    if only is not None:
        query = query.where(Entry.id.in_(only))
    for e in query:
        raised = not e.decision and e.contract_id is None and e.id not in reversed_ids
        yield _entry_flag(e, {"voucher_no": e.voucher_no, "amount": fen_text(e.amount_fen),
                              "threshold": fen_text(threshold), "url": _entry_url(e.id)} if raised else None)


def scan_no_decision(village=None):
    """The raised ones only: the large expenses from the (direction, state, amount_fen) index, filtered in
    SQL (no decision, not reversed; a reversal is negative), those paying a contract left out here: an
    ``IS NULL`` term in SQL would lead SQLite to the contract column's index, over most of the county."""
    threshold = _limit_fen("LEDGER_DECISION_THRESHOLD", 30000)
    query = (Entry.select(Entry.id, Entry.village, Entry.voucher_no, Entry.amount_fen, Entry.contract_id)
             .where(_published(village) & (Entry.direction == "expense") & (Entry.amount_fen >= threshold) &
                    ((Entry.decision == "") | Entry.decision.is_null()) & _not_reversed()))
    for entry_id, village, voucher, amount, contract_id in query.tuples().iterator():
        if contract_id is None:
            yield Flag("ledger_entry", entry_id, village, {"voucher_no": voucher, "amount": fen_text(amount),
                                                          "threshold": fen_text(threshold), "url": _entry_url(entry_id)})


def check_no_decision(doc_type, object_id):
    ids = _entry_ids(doc_type, object_id)
    return list(_no_decision_flags(only=ids)) if ids else []


# -- leases: expiry, expired, arrears, rent below the township's fence -----------------

def _leases():
    return Contract.select().where(Contract.kind == "lease")


class LeaseFacts:
    """What the lease rules read besides the contracts themselves, in a few grouped queries for many
    contracts at once (the whole county on a rebuild): payments received, payments after the end,
    and the village's other contracts on the same object (a successor)."""

    def __init__(self, contracts, everything=False):
        ids = [c.id for c in contracts]
        self.paid, self.late, self.others = {}, {}, {}
        income = _published() & (Entry.direction == "income") & Entry.contract_id.is_null(False)
        chunks = [None] if everything else [ids[i:i + 500] for i in range(0, len(ids), 500)]
        for chunk in chunks:
            scope = income if chunk is None else income & Entry.contract_id.in_(chunk)
            for cid, total in (Entry.select(Entry.contract_id, fn.SUM(Entry.amount_fen)).where(scope)
                               .group_by(Entry.contract_id).tuples()):
                self.paid[cid] = int(total or 0)
            late = (Entry.select(Entry.contract_id, fn.COUNT(Entry.id), fn.MAX(Entry.date), fn.MAX(Entry.id))
                    .join(Contract, on=(Entry.contract_id == Contract.id)).where(scope & (Entry.date > Contract.end))
                    .group_by(Entry.contract_id))
            for cid, count, last_day, last_id in late.tuples():
                self.late[cid] = (count, _as_date(last_day), last_id)
        villages = list({c.village_id for c in contracts})
        query = Contract.select(Contract.id, Contract.village, Contract.object, Contract.asset, Contract.start)
        if not everything:
            query = query.where(Contract.village.in_(villages))
        for cid, village, obj, asset, begins in query.tuples():
            self.others.setdefault((village, "object", obj), []).append((cid, begins))
            if asset is not None:
                self.others.setdefault((village, "asset", asset), []).append((cid, begins))

    def has_successor(self, c):
        after = c.end - datetime.timedelta(days=31)
        keys = [(c.village_id, "object", c.object)] + ([(c.village_id, "asset", c.asset_id)] if c.asset_id else [])
        return any(cid != c.id and _as_date(begins) > after for key in keys for cid, begins in self.others.get(key, ()))


def _as_date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


def expiry_evidence(c, day, facts=None):
    if c.state != "active":
        return None
    left = (c.end - day).days
    if 0 <= left <= EXPIRY_BANDS[-1]:
        band = next(b for b in EXPIRY_BANDS if left <= b)
        return {"end": c.end.isoformat(), "days_left": left, "band": band, "url": _contract_url(c.id)}
    return None


def expired_evidence(c, day, facts=None):
    if c.end >= day:
        return None
    facts = facts or LeaseFacts([c])
    late = facts.late.get(c.id)
    if late:
        count, last_day, last_id = late
        return {"end": c.end.isoformat(), "reason": "payments_after_end", "payments": count,
                "last_payment": last_day.isoformat(), "url": _entry_url(last_id)}
    if c.state == "active" and not facts.has_successor(c):
        return {"end": c.end.isoformat(), "reason": "no_new_lease", "url": _contract_url(c.id)}
    return None


def arrears_evidence(c, day, facts=None):
    if c.state != "active":
        return None
    due = sum(_fen(i["amount"]) for i in json.loads(c.schedule or "[]") if i["due"] <= day.isoformat())
    paid = (facts or LeaseFacts([c])).paid.get(c.id, 0)
    if due - paid > 0:
        return {"due": fen_text(due), "paid": fen_text(paid), "arrears": fen_text(due - paid), "as_of": day.isoformat(),
                "url": _contract_url(c.id)}
    return None


def _fen(text):
    sign = -1 if text.startswith("-") else 1
    whole, _dot, cents = text.lstrip("-").partition(".")
    return sign * (int(whole) * 100 + int((cents + "00")[:2]))


def _per_mu(c):
    return c.amount_fen if c.unit == "yuan_per_mu_year" else None


def fence_flags(contracts=None):
    """Rent-per-亩 flags for every lease (or for those ``contracts``' comparable groups)."""
    leases = (Contract.select(Contract.id, Contract.village.alias("village_id"), Contract.amount_fen,
                              Unit.parent.alias("township"), Asset.kind.alias("kind"))
              .join(Unit, on=(Contract.village == Unit.code)).switch(Contract)
              .join(Asset, JOIN.LEFT_OUTER, on=(Contract.asset == Asset.id))
              .where((Contract.kind == "lease") & (Contract.unit == "yuan_per_mu_year")).namedtuples())
    groups, wanted = {}, set()
    for c in leases:
        groups.setdefault((c.township, c.kind), []).append(c)
        if contracts is not None and c.id in contracts:
            wanted.add((c.township, c.kind))
    if contracts is None:
        wanted = None
    for key, group in groups.items():
        if wanted is not None and key not in wanted:
            continue
        for c in group:
            others = [o.amount_fen for o in group if o.id != c.id]
            evidence = None
            if len(others) >= MIN_COMPARABLES:
                q1, _q2, q3 = statistics.quantiles(others, n=4, method="inclusive")
                fence = q1 - 1.5 * (q3 - q1)
                if c.amount_fen < fence:
                    evidence = {"rent_per_mu_year": fen_text(c.amount_fen), "q1": fen_text(round(q1)),
                                "q3": fen_text(round(q3)), "iqr": fen_text(round(q3 - q1)),
                                "lower_fence": fen_text(round(fence)), "comparables": len(others),
                                "township": key[0], "kind": key[1], "url": _contract_url(c.id)}
            yield Flag("ledger_contract", c.id, c.village_id, evidence)


def _lease_rows(cond=None):
    """Leases as light rows with the attributes the evidence reads (a model row has the same)."""
    query = Contract.select(Contract.id, Contract.village.alias("village_id"), Contract.state, Contract.object,
                            Contract.asset.alias("asset_id"), Contract.start, Contract.end, Contract.schedule)
    query = query.where((Contract.kind == "lease") & cond) if cond is not None else query.where(Contract.kind == "lease")
    return list(query.namedtuples())


def _contract_rule(evidence_of, candidates, facts_needed=True):
    """``candidates(day)``: the SQL condition a lease must meet to raise this flag at all (the rebuild
    reads only those; a check re-evaluates every lease it names, to clear as well as raise)."""
    def scan(village=None):
        day = today()
        cond = candidates(day) if village is None else candidates(day) & (Contract.village == village)
        leases = _lease_rows(cond)
        facts = LeaseFacts(leases, everything=village is None) if facts_needed and leases else None
        for c in leases:
            evidence = evidence_of(c, day, facts)
            if evidence:
                yield Flag("ledger_contract", c.id, c.village_id, evidence)

    def check(doc_type, object_id):
        ids = _contract_ids(doc_type, object_id)
        if not ids:
            return []
        day = today()
        leases = _lease_rows(Contract.id.in_(ids))
        facts = LeaseFacts(leases) if facts_needed and leases else None
        return [Flag("ledger_contract", c.id, c.village_id, evidence_of(c, day, facts)) for c in leases]
    return scan, check


def _contract_ids(doc_type, object_id):
    if doc_type == "ledger_contract":
        c = Contract.get_or_none(Contract.id == int(object_id))
        if c is None:
            return []
        same = Contract.select(Contract.id).where((Contract.village == c.village_id) & (Contract.object == c.object))
        return [c.id] + [i for (i,) in same.tuples()]
    if doc_type in ("ledger_entry", "ledger_period"):
        ids = _entry_ids(doc_type, object_id)
        return [i for (i,) in Entry.select(Entry.contract_id).where(Entry.id.in_(ids) & Entry.contract_id.is_null(False))
                .distinct().tuples()] if ids else []
    return []


def check_fence(doc_type, object_id):
    ids = _contract_ids(doc_type, object_id) if doc_type == "ledger_contract" else []
    return list(fence_flags(set(ids))) if ids else []


# -- a unified social credit code failing its check character --------------------------

def _code_flags(only_entries=None, only_contracts=None):
    entries = Entry.select(Entry.id, Entry.village, Entry.counterparty_code).where(
        _published() & (Entry.counterparty_code != ""))
    if only_entries is not None:
        entries = entries.where(Entry.id.in_(only_entries))
    for entry_id, village, code in entries.tuples():
        bad = not uscc_valid(code)
        yield Flag("ledger_entry", entry_id, village, {"code": code, "url": _entry_url(entry_id)} if bad else None)
    contracts = Contract.select(Contract.id, Contract.village, Contract.counterparty_code).where(
        Contract.counterparty_code != "")
    if only_contracts is not None:
        contracts = contracts.where(Contract.id.in_(only_contracts))
    for contract_id, village, code in contracts.tuples():
        bad = not uscc_valid(code)
        yield Flag("ledger_contract", contract_id, village, {"code": code, "url": _contract_url(contract_id)}
                   if bad else None)


def scan_code(village=None):
    """The raised ones only: each distinct code is checked once, then only the rows holding a bad one are read."""
    def bad_codes(model):
        cond = model.counterparty_code != ""
        codes = [c for (c,) in model.select(model.counterparty_code).where(
            cond if village is None else cond & (model.village == village)).distinct().tuples()]
        return [c for c in codes if not uscc_valid(c)]
    bad = bad_codes(Entry)
    for i in range(0, len(bad), 500):
        query = Entry.select(Entry.id, Entry.village, Entry.counterparty_code).where(
            _published(village) & Entry.counterparty_code.in_(bad[i:i + 500]))
        for entry_id, village, code in query.order_by(Entry.id).tuples().iterator():
            yield Flag("ledger_entry", entry_id, village, {"code": code, "url": _entry_url(entry_id)})
    bad = bad_codes(Contract)
    for i in range(0, len(bad), 500):
        query = Contract.select(Contract.id, Contract.village, Contract.counterparty_code).where(
            Contract.counterparty_code.in_(bad[i:i + 500]))
        if village is not None:
            query = query.where(Contract.village == village)
        for contract_id, village, code in query.order_by(Contract.id).tuples():
            yield Flag("ledger_contract", contract_id, village, {"code": code, "url": _contract_url(contract_id)})


def check_code(doc_type, object_id):
    if doc_type == "ledger_contract":
        return list(_code_flags(only_entries=[], only_contracts=[int(object_id)]))
    ids = _entry_ids(doc_type, object_id)
    return list(_code_flags(only_entries=ids, only_contracts=[])) if ids else []


WATCHES = ("ledger_entry", "ledger_period", "ledger_contract")
_expiring, _expiring_check = _contract_rule(
    expiry_evidence, lambda day: (Contract.state == "active") & (Contract.end >= day) &
    (Contract.end <= day + datetime.timedelta(days=EXPIRY_BANDS[-1])), facts_needed=False)
_expired, _expired_check = _contract_rule(expired_evidence, lambda day: Contract.end < day)
_arrears, _arrears_check = _contract_rule(arrears_evidence, lambda day: Contract.state == "active")

RULES = [
    FlagRule("ledger.cash_over_limit", N_("库存现金超限额"), WATCHES, check_cash, scan_cash,
             N_("日终库存现金超过限额（默认5000元）：大额现金应存入银行。")),
    FlagRule("ledger.expense_without_invoice", N_("支出无发票"), WATCHES, check_no_invoice, scan_no_invoice,
             N_("已公开的支出没有上传发票或收据。")),
    FlagRule("ledger.expense_without_decision", N_("大额支出未关联决策"), WATCHES, check_no_decision, scan_no_decision,
             N_("超过限额（默认3万元）的支出没有关联“四议两公开”决策记录。")),
    FlagRule("ledger.lease_expiring", N_("合同即将到期"), WATCHES, _expiring_check, _expiring,
             N_("租赁合同将在90/60/30天内到期，应及时公开续租或重新发包。")),
    FlagRule("ledger.lease_expired", N_("合同到期未续"), WATCHES, _expired_check, _expired,
             N_("合同已到期，但仍在收款，或没有新的合同。")),
    FlagRule("ledger.rent_arrears", N_("租金拖欠"), WATCHES, _arrears_check, _arrears,
             N_("按付款计划应收的租金未全部到账。")),
    FlagRule("ledger.rent_below_fence", N_("租金明显偏低"), WATCHES, check_fence,
             lambda: (f for f in fence_flags() if f.evidence),
             N_("每亩租金低于本镇可比合同的下限（Q1 − 1.5×IQR，至少8份可比合同）。")),
    FlagRule("ledger.bad_credit_code", N_("统一社会信用代码校验错误"), WATCHES, check_code, scan_code,
             N_("对方的统一社会信用代码第18位校验码不符（GB 32100-2015）。")),
]
RULE_TITLES = {r.code: r.title for r in RULES}


def _fence_of(village):
    ids = {i for (i,) in Contract.select(Contract.id).where(Contract.village == village).tuples()}
    return (f for f in fence_flags(ids) if f.evidence and f.object_id in ids) if ids else iter(())


VILLAGE_SCANS = {"ledger.cash_over_limit": scan_cash, "ledger.expense_without_invoice": scan_no_invoice,
                 "ledger.expense_without_decision": scan_no_decision, "ledger.lease_expiring": _expiring,
                 "ledger.lease_expired": _expired, "ledger.rent_arrears": _arrears,
                 "ledger.rent_below_fence": _fence_of, "ledger.bad_credit_code": scan_code}


def village_flags(village):
    """[(rule, flag)] raised today in one village: each rule's scan read for that village only (the
    village page; the county-wide scan is the rebuild's)."""
    return [(rule, flag) for rule in RULES for flag in VILLAGE_SCANS[rule.code](village)]


def contract_alerts(c, day=None):
    """The alerts shown with a contract in the public list (the same evidence as the flags)."""
    day = day or today()
    out = []
    for code, fn_ in (("ledger.lease_expiring", expiry_evidence), ("ledger.lease_expired", expired_evidence),
                      ("ledger.rent_arrears", arrears_evidence)):
        if c.kind == "lease":
            evidence = fn_(c, day)
            if evidence:
                out.append({"code": code, "title": RULE_TITLES[code], "evidence": evidence})
    for flag in check_fence("ledger_contract", c.id):
        if flag.object_id == c.id and flag.evidence:
            out.append({"code": "ledger.rent_below_fence", "title": RULE_TITLES["ledger.rent_below_fence"],
                        "evidence": flag.evidence})
    if c.counterparty_code and not uscc_valid(c.counterparty_code):
        out.append({"code": "ledger.bad_credit_code", "title": RULE_TITLES["ledger.bad_credit_code"],
                    "evidence": {"code": c.counterparty_code}})
    return out


def all_flags():
    """Every flag raised today (for the figures and the village page), with its rule's code."""
    for rule in RULES:
        for flag in rule.scan():
            yield rule.code, flag
