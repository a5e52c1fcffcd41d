"""The three capitals' warnings: the county-wide rebuild (each rule's ``scan``, filtered in SQL and read in
bulk) gives exactly what the per-change path (``check``, object by object) gives, on the demo's planted cases."""
from tests.ledger.conftest import HOUXI, SHICHENG, YANGPING


def _by_check(rule, entries, contracts):
    raised = {}
    seen_villages = set()
    for entry_id, village in entries:
        if rule.code == "ledger.cash_over_limit":  # a change re-checks its whole village's cash days
            if village in seen_villages:
                continue
            seen_villages.add(village)
        for flag in rule.check("ledger_entry", entry_id):
            if flag.evidence:
                raised[(flag.object_type, flag.object_id)] = (flag.village_id, flag.evidence)
    for contract_id in contracts:
        for flag in rule.check("ledger_contract", contract_id):
            if flag.evidence:
                raised[(flag.object_type, flag.object_id)] = (flag.village_id, flag.evidence)
    return raised


def test_the_rebuild_scan_equals_the_per_change_check_for_every_rule(demo, app):
    from portal.ledger import warnings
    from portal.ledger.models import Contract, Entry
    with app.test_request_context():
        entries = list(Entry.select(Entry.id, Entry.village).tuples())
        contracts = [c for (c,) in Contract.select(Contract.id).tuples()]
        found = {}
        for rule in warnings.RULES:
            scanned = {(f.object_type, f.object_id): (f.village_id, f.evidence) for f in rule.scan()}
            assert all(evidence for _v, evidence in scanned.values()), rule.code  # a scan yields raised flags only
            assert scanned == _by_check(rule, entries, contracts), rule.code
            found[rule.code] = {village for village, _e in scanned.values()}
    # the demo's planted warnings are all found, in their villages
    assert HOUXI in found["ledger.expense_without_invoice"]
    assert HOUXI in found["ledger.lease_expiring"]
    assert SHICHENG in found["ledger.cash_over_limit"]
    assert SHICHENG in found["ledger.rent_arrears"]
    assert YANGPING in found["ledger.expense_without_decision"]
    assert YANGPING in found["ledger.rent_below_fence"]
    assert found["ledger.bad_credit_code"]


def test_a_reversed_expense_and_its_reversal_raise_nothing(demo, app):
    """An expense without an invoice that was reversed (红字冲销) is no longer a warning, nor is the reversal."""
    from portal.ledger import warnings
    from portal.ledger.models import Entry
    with app.test_request_context():
        flagged = [f for f in warnings.scan_no_invoice()]
        assert flagged
        target = Entry.get_by_id(flagged[0].object_id)
        reversal = Entry.create(village=target.village_id, year=target.year, month=target.month,
                                voucher_no="冲-TEST", date=target.date, summary="冲销", account=target.account,
                                direction="expense", amount_fen=-target.amount_fen, settlement=target.settlement,
                                reverses=target.id, state="published")
        ids = {f.object_id for f in warnings.scan_no_invoice()}
        assert target.id not in ids and reversal.id not in ids
        checked = {f.object_id: f.evidence for f in warnings.check_no_invoice("ledger_entry", reversal.id)}
        assert checked.get(target.id) is None and checked.get(reversal.id) is None


def test_a_village_page_computes_its_own_warnings_only_and_the_same_as_the_county_scan(demo, app):
    """The 咱厝家底 page reads its village's warnings from scans scoped to the village (not every rule's
    county-wide scan per page view): the same flags as the county scan has for that village."""
    from portal.ledger import warnings
    from portal.units.models import Unit
    with app.test_request_context():
        county = {}
        for rule in warnings.RULES:
            for flag in rule.scan():
                county.setdefault(flag.village_id, set()).add((rule.code, flag.object_type, flag.object_id,
                                                              repr(sorted(flag.evidence.items()))))
        villages = [u.code for u in Unit.select(Unit.code).where(Unit.level == "village")]
        assert len([v for v in villages if county.get(v)]) >= 3
        for village in villages:
            own = {(rule.code, f.object_type, f.object_id, repr(sorted(f.evidence.items())))
                   for rule, f in warnings.village_flags(village)}
            assert own == county.get(village, set()), village
    page = app.test_client().get(f"/ledger/{SHICHENG}")
    assert page.status_code == 200 and "库存现金超限额" in page.get_data(as_text=True)


def test_cash_above_the_limit_matches_a_day_by_day_reckoning(demo, app):
    """The cash rule (days summed in SQL) against the plain reckoning: opening cash, then every published cash
    entry in date order; a flag on each day whose end balance is above the limit, on the day's last entry."""
    from portal.ledger import warnings
    from portal.ledger.models import Entry, Opening
    with app.test_request_context():
        app.config["LEDGER_CASH_LIMIT"] = 1000  # low enough that several villages go above it on some days
        expected = {}
        for opening in Opening.select():
            balance, days = opening.cash_fen, {}
            for e in (Entry.select().where((Entry.village == opening.village_id) & (Entry.state == "published") &
                                          (Entry.settlement == "cash")).order_by(Entry.date, Entry.id)):
                balance += e.amount_fen if e.direction == "income" else -e.amount_fen
                days[e.date] = (e.id, balance)
            for day, (last_id, end) in days.items():
                if end > 100000:
                    expected[last_id] = (opening.village_id, day.isoformat(), end)
        found = {f.object_id: (f.village_id, f.evidence["date"], round(float(f.evidence["cash_balance"]) * 100))
                 for f in warnings.scan_cash()}
        assert len(expected) >= 3 and found == expected


def test_the_invoice_count_kept_by_each_attach_equals_its_rebuild_and_the_rule_the_plain_reckoning(demo, app):
    """``entry.invoice_count`` is kept by each attach (the demo attaches its scans through the service); it
    equals the count of invoice rows, the rebuild (migration, bulk writes) leaves it unchanged, and the
    no-invoice rule read from it flags what a plain reckoning from the invoice rows flags."""
    from portal.core.db import database
    from portal.ledger import entries, warnings
    from portal.ledger.models import Entry, Invoice
    with app.test_request_context():
        kept = dict(Entry.select(Entry.id, Entry.invoice_count).tuples())
        counted = {}
        for (entry_id,) in Invoice.select(Invoice.entry).tuples():
            counted[entry_id] = counted.get(entry_id, 0) + 1
        assert sum(kept.values()) >= 20
        assert kept == {entry_id: counted.get(entry_id, 0) for entry_id in kept}
        Entry.update(invoice_count=0).execute()
        entries.count_invoices(database)
        assert dict(Entry.select(Entry.id, Entry.invoice_count).tuples()) == kept
        reversed_ids = {r for (r,) in Entry.select(Entry.reverses).where(Entry.reverses.is_null(False)).tuples()}
        expected = {e.id for e in Entry.select().where((Entry.state == "published") & (Entry.direction == "expense"))
                    if e.amount_fen > 0 and e.reverses_id is None and e.id not in reversed_ids and e.id not in counted}
        assert expected and {f.object_id for f in warnings.scan_no_invoice()} == expected
