"""The month totals (``portal.ledger.totals``): kept by every write of entries, equal to their rebuild from
the rows, and the statements read from them equal to the sums of the rows."""
import datetime

from tests.ledger.conftest import HOUXI, SHICHENG, YANGPING, this_month


def _table():
    from portal.ledger.models import MonthTotal
    return sorted(MonthTotal.select(MonthTotal.village, MonthTotal.month, MonthTotal.state, MonthTotal.account,
                                    MonthTotal.direction, MonthTotal.settlement, MonthTotal.total_fen,
                                    MonthTotal.entries).tuples())


def _statement_from_rows(villages, first, last, public):
    """The plain reckoning: opening figures plus every entry before ``first``, then the entries in the period."""
    from portal.ledger.models import Entry, Opening
    opening, income, expense, accounts = {"cash": 0, "bank": 0}, 0, 0, {}
    for o in Opening.select().where(Opening.village.in_(villages) & (Opening.as_of < first)):
        opening["cash"] += o.cash_fen
        opening["bank"] += o.bank_fen
    closing = dict(opening)
    query = Entry.select().where(Entry.village.in_(villages) & (Entry.date <= last))
    for e in (query.where(Entry.state == "published") if public else query):
        signed = e.amount_fen if e.direction == "income" else -e.amount_fen
        closing[e.settlement] += signed
        if e.date < first:
            opening[e.settlement] += signed
            continue
        income += e.amount_fen if e.direction == "income" else 0
        expense += e.amount_fen if e.direction == "expense" else 0
        slot = accounts.setdefault(e.account[:3], [0, 0])
        slot[0 if e.direction == "income" else 1] += e.amount_fen
    return opening, closing, income, expense, {k: v for k, v in accounts.items()}


def test_the_totals_kept_by_each_write_equal_their_rebuild_and_the_statements_the_rows(demo, app):
    """The demo's months were imported, their invoices attached and most published through the services; an
    entry and its reversal are recorded on top. The table as kept equals the table rebuilt from the rows, and
    every statement (month, quarter, year; public and staff; a mid-month opening too) equals the rows' sums."""
    from portal.accounts.models import User
    from portal.ledger import entries, statements, totals
    from portal.units.models import Unit
    with app.test_request_context():
        clerk, village = User.get(User.username == "clerk_houxi"), Unit.find(HOUXI, "village")
        day = f"{this_month()}-01"
        made = entries.record_entry(clerk, village, {"voucher_no": "汇-001", "date": day, "summary": "办公用品",
                                                     "account": "541", "direction": "expense", "amount": "88.50",
                                                     "settlement": "cash"})
        entries.record_entry(clerk, village, {"voucher_no": "汇-002", "date": day, "reverses": made.id})
        kept = _table()
        assert len(kept) >= 50 and any(state == "recorded" for _v, _m, state, *_ in kept)
        totals.rebuild()
        assert _table() == kept

        year = datetime.date.today().year
        periods = [str(year - 1), f"{year - 1}-Q4", f"{year}-Q1", str(year), this_month()]
        for villages in ([HOUXI], [SHICHENG], [HOUXI, SHICHENG, YANGPING]):
            for period in periods:
                for public in (True, False):
                    first, last, _kind = statements.period_range(period)
                    stmt = statements.statement(villages, period, public=public)
                    opening, closing, income, expense, accounts = _statement_from_rows(villages, first, last, public)
                    assert (stmt["opening_cash"], stmt["opening_bank"]) == (opening["cash"], opening["bank"])
                    assert (stmt["closing_cash"], stmt["closing_bank"]) == (closing["cash"], closing["bank"])
                    assert (stmt["income"], stmt["expense"]) == (income, expense), (villages, period, public)
                    assert {r["account"]: [r["income"], r["expense"]] for r in stmt["by_account"]} == accounts
        middle = datetime.date.fromisoformat(f"{this_month()}-15")
        opening, _closing, *_ = _statement_from_rows([HOUXI], middle, middle, False)
        assert statements.balances_before([HOUXI], middle, public=False) == opening


def test_the_statement_page_lists_its_entries_a_page_at_a_time(demo, app):
    """The statement page counts the period's entries from the totals and lists them a page at a time
    (``LEDGER_ENTRIES_PER_PAGE``, 100; 10 here for the demo's small ledgers); the pages together hold every
    published entry of the period once."""
    import re
    from peewee import fn
    from portal.ledger.models import Entry
    with app.test_request_context():
        count = fn.COUNT(Entry.id)
        village, year, n = (Entry.select(Entry.village, Entry.year, count).where(Entry.state == "published")
                            .group_by(Entry.village, Entry.year).order_by(count.desc()).tuples().first())
        expected = {e.voucher_no for e in Entry.select(Entry.voucher_no).where(
            (Entry.village == village) & (Entry.year == year) & (Entry.state == "published"))}
    app.config["LEDGER_ENTRIES_PER_PAGE"] = size = 10
    client = app.test_client()
    first = client.get(f"/ledger/{village}/{year}").get_data(as_text=True)
    assert f"收支明细（{n}笔）" in first
    pages = -(-n // size)
    assert pages > 1  # the demo's busiest village-year spans several pages
    seen = []
    for page in range(1, pages + 1):
        html = client.get(f"/ledger/{village}/{year}?page={page}").get_data(as_text=True)
        rows = re.findall(r'<tr class="entry-[^"]*">\s*<td class="row-head"[^>]*><a href="[^"]*">([^<]+)</a>', html)
        assert len(rows) == min(size, n - (page - 1) * size)
        assert (f"{page}/{pages}" in html) == (pages > 1)
        seen += rows
    assert len(seen) == n and set(seen) == expected

