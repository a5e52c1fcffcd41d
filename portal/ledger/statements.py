"""Statements (收支明细表) for a month, a quarter or a year, from the rows as they are.

Opening balance, income and expense per account, closing balance, with cash
(库存现金) and bank (银行存款) apart. Public statements count published
entries only; staff see their open months too. One aggregate query per
figure keeps a quarter of a village fast on a county-sized ledger (the
(village, state, date) index serves them all).
"""
import datetime

from peewee import fn

from portal.core.errors import ValidationError
from portal.core.i18n import N_
from portal.ledger import charts
from portal.ledger.models import Entry, Opening
from portal.ledger.rows import fen_text


def period_range(text):
    """"2026-03" | "2026-Q1" | "2026" -> (first day, last day, kind)."""
    text = str(text or "")
    try:
        if len(text) == 4:
            year = int(text)
            first, last, kind = datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year"
        elif len(text) == 7 and text[5] == "Q":
            year, quarter = int(text[:4]), int(text[6])
            if not 1 <= quarter <= 4:
                raise ValueError
            first = datetime.date(year, quarter * 3 - 2, 1)
            last = _month_last(year, quarter * 3)
            kind = "quarter"
        elif len(text) == 7 and text[4] == "-":
            year, month = int(text[:4]), int(text[5:])
            first, last, kind = datetime.date(year, month, 1), _month_last(year, month), "month"
        else:
            raise ValueError
    except ValueError:
        raise ValidationError("bad_period", "period 应为 YYYY-MM、YYYY-Qn 或 YYYY。") from None
    if not 1949 <= first.year <= 2100:
        raise ValidationError("bad_period", "period 应在1949年至2100年之间。")
    return first, last, kind


def _month_last(year, month):
    return datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)


def _scope(villages, public):
    cond = Entry.village.in_(list(villages))
    return cond & (Entry.state == "published") if public else cond


def _signed():
    return fn.SUM(Entry.amount_fen)


def balances_before(villages, day, public=True):
    """{"cash", "bank"} in fen at the start of ``day`` (the opening figures plus every entry before it)."""
    out = {"cash": 0, "bank": 0}
    for o in Opening.select().where(Opening.village.in_(list(villages)) & (Opening.as_of < day)):
        out["cash"] += o.cash_fen
        out["bank"] += o.bank_fen
    query = (Entry.select(Entry.settlement, Entry.direction, _signed().alias("total"))
             .where(_scope(villages, public) & (Entry.date < day)).group_by(Entry.settlement, Entry.direction))
    for settlement, direction, total in query.tuples():
        out[settlement] += (total or 0) * (1 if direction == "income" else -1)
    return out


def statement(villages, period, public=True, chart=None):
    """The statement of ``villages`` (codes) for ``period``; money in fen (see ``as_json``)."""
    first, last, kind = period_range(period)
    opening = balances_before(villages, first, public)
    names = charts.account_names(chart or "2004")
    by_account, income, expense = {}, 0, 0
    moves = {"cash": 0, "bank": 0}
    query = (Entry.select(Entry.account, Entry.direction, Entry.settlement, _signed().alias("total"))
             .where(_scope(villages, public) & (Entry.date >= first) & (Entry.date <= last))
             .group_by(Entry.account, Entry.direction, Entry.settlement))
    for account, direction, settlement, total in query.tuples():
        total = total or 0
        code = charts.top_code(account)
        row = by_account.setdefault(code, {"account": code, "name": names.get(code, code), "income": 0, "expense": 0})
        row[direction] += total
        if direction == "income":
            income += total
            moves[settlement] += total
        else:
            expense += total
            moves[settlement] -= total
    closing = {k: opening[k] + moves[k] for k in moves}
    return {"period": period, "kind": kind, "from": first.isoformat(), "to": last.isoformat(),
            "opening_cash": opening["cash"], "opening_bank": opening["bank"],
            "opening_balance": opening["cash"] + opening["bank"], "income": income, "expense": expense,
            "closing_cash": closing["cash"], "closing_bank": closing["bank"],
            "closing_balance": closing["cash"] + closing["bank"],
            "by_account": [by_account[k] for k in sorted(by_account)]}


def year_by_village(villages, year):
    """{village: {"income", "expense"}} of the year's published entries (fen), one grouped query."""
    first, last, _kind = period_range(str(year))
    out = {}
    query = (Entry.select(Entry.village, Entry.direction, _signed().alias("total"))
             .where(_scope(villages, True) & (Entry.date >= first) & (Entry.date <= last))
             .group_by(Entry.village, Entry.direction))
    for village, direction, total in query.tuples():
        out.setdefault(village, {"income": 0, "expense": 0})[direction] = total or 0
    return out


def published_months(villages):
    """Yield the export's line of every published month of ``villages`` (by village, then month):
    opening, income, expense and closing as ``statement(v, month)`` computes them, read in one pass.

    One grouped query sums the public entries per village, month, settlement and direction; a
    month's opening is the village's opening figures (when dated before the month) plus every
    earlier month's movements, its closing the opening plus its own."""
    from portal.ledger.models import Period
    openings = {o.village_id: o for o in Opening.select().where(Opening.village.in_(list(villages)))}
    moves = {}  # village -> {month: {(settlement, direction): fen}}
    query = (Entry.select(Entry.village, Entry.month, Entry.settlement, Entry.direction, _signed())
             .where(_scope(villages, True)).group_by(Entry.village, Entry.month, Entry.settlement, Entry.direction)
             .tuples())
    for village, month, settlement, direction, total in query:
        slot = moves.setdefault(village, {}).setdefault(month, {})
        slot[(settlement, direction)] = slot.get((settlement, direction), 0) + (total or 0)
    periods = (Period.select(Period.village, Period.month, Period.audit_index)
               .where(Period.village.in_(list(villages)) & (Period.state == "published"))
               .order_by(Period.village, Period.month).tuples())
    for village, month, audit_index in periods:
        first, _last, _kind = period_range(month)
        opening = {"cash": 0, "bank": 0}
        o = openings.get(village)
        if o is not None and o.as_of < first:
            opening = {"cash": o.cash_fen, "bank": o.bank_fen}
        closing = dict(opening)
        income = expense = 0
        for m, totals in moves.get(village, {}).items():
            if m > month:
                continue
            for (settlement, direction), total in totals.items():
                signed = total if direction == "income" else -total
                if m < month:
                    opening[settlement] += signed
                else:
                    income += total if direction == "income" else 0
                    expense += total if direction == "expense" else 0
                closing[settlement] += signed
        yield {"village": village, "month": month, "audit_index": audit_index,
               "opening_balance": fen_text(opening["cash"] + opening["bank"]), "income": fen_text(income),
               "expense": fen_text(expense), "closing_balance": fen_text(closing["cash"] + closing["bank"]),
               "closing_cash": fen_text(closing["cash"]), "closing_bank": fen_text(closing["bank"])}


MONEY_KEYS = ("opening_cash", "opening_bank", "opening_balance", "income", "expense", "closing_cash",
              "closing_bank", "closing_balance")


def as_json(stmt, village=None):
    """The API's statement: the same figures as strings of yuan."""
    out = {k: (fen_text(v) if k in MONEY_KEYS else v) for k, v in stmt.items() if k != "by_account"}
    out["by_account"] = [{"account": r["account"], "name": r["name"], "income": fen_text(r["income"]),
                          "expense": fen_text(r["expense"])} for r in stmt["by_account"]]
    if village is not None:
        out["village"] = village
    return out


def monthly_series(villages, year, public=True):
    """[(month, income fen, expense fen)] for the 12 months of ``year`` (the chart's data)."""
    totals = {f"{year}-{m:02d}": [0, 0] for m in range(1, 13)}
    query = (Entry.select(Entry.month, Entry.direction, _signed().alias("total"))
             .where(_scope(villages, public) & (Entry.year == year)).group_by(Entry.month, Entry.direction))
    for month, direction, total in query.tuples():
        if month in totals:
            totals[month][0 if direction == "income" else 1] += total or 0
    return [(m, v[0], v[1]) for m, v in totals.items()]


STATEMENT_HEADER = (N_("项目"), N_("收入（元）"), N_("支出（元）"), N_("余额（元）"))


def statement_rows(stmt):
    """The statement as table rows (STATEMENT_HEADER): the same lines on the page, in the CSV/XLSX
    export and in the print view."""
    rows = [(N_("期初余额"), "", "", fen_text(stmt["opening_balance"])),
            (N_("　其中：库存现金"), "", "", fen_text(stmt["opening_cash"])),
            (N_("　其中：银行存款"), "", "", fen_text(stmt["opening_bank"]))]
    for r in stmt["by_account"]:
        rows.append((f"{r['account']} {r['name']}", fen_text(r["income"]) if r["income"] else "",
                     fen_text(r["expense"]) if r["expense"] else "", ""))
    rows += [(N_("本期合计"), fen_text(stmt["income"]), fen_text(stmt["expense"]), ""),
             (N_("期末余额"), "", "", fen_text(stmt["closing_balance"])),
             (N_("　其中：库存现金"), "", "", fen_text(stmt["closing_cash"])),
             (N_("　其中：银行存款"), "", "", fen_text(stmt["closing_bank"]))]
    return rows
