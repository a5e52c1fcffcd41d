"""Statements (收支明细表) for a month, a quarter or a year, from the month totals.

Opening balance, income and expense per account, closing balance, with cash
(库存现金) and bank (银行存款) apart. Public statements count published
entries only; staff see their open months too. Every figure is a sum of
``MonthTotal`` rows (``portal.ledger.totals``, kept with every write of
entries): a village's quarter reads three months of totals and its opening
every earlier month's, never the entries themselves.
"""
import datetime

from peewee import fn

from portal.core.errors import ValidationError
from portal.core.i18n import N_
from portal.ledger import charts, totals
from portal.ledger.models import Entry, MonthTotal, Opening
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


def _month_of(day):
    return day.strftime("%Y-%m")


def balances_before(villages, day, public=True):
    """{"cash", "bank"} in fen at the start of ``day`` (the opening figures plus every entry before it):
    the totals of the months before ``day``'s, and the rows of its own month before it when ``day`` is not
    the first."""
    out = {"cash": 0, "bank": 0}
    for o in Opening.select().where(Opening.village.in_(list(villages)) & (Opening.as_of < day)):
        out["cash"] += o.cash_fen
        out["bank"] += o.bank_fen
    query = (MonthTotal.select(MonthTotal.settlement, MonthTotal.direction, fn.SUM(MonthTotal.total_fen))
             .where(totals.scope(villages, public) & (MonthTotal.month < _month_of(day)))
             .group_by(MonthTotal.settlement, MonthTotal.direction))
    moves = list(query.tuples())
    if day.day != 1:
        moves.extend(Entry.select(Entry.settlement, Entry.direction, fn.SUM(Entry.amount_fen))
                     .where(_scope(villages, public) & (Entry.month == _month_of(day)) & (Entry.date < day))
                     .group_by(Entry.settlement, Entry.direction).tuples())
    for settlement, direction, total in moves:
        out[settlement] += (total or 0) * (1 if direction == "income" else -1)
    return out


def statement(villages, period, public=True, chart=None):
    """The statement of ``villages`` (codes) for ``period``; money in fen (see ``as_json``)."""
    first, last, kind = period_range(period)
    opening = balances_before(villages, first, public)
    names = charts.account_names(chart or "2004")
    by_account, income, expense = {}, 0, 0
    moves = {"cash": 0, "bank": 0}
    query = (MonthTotal.select(MonthTotal.account, MonthTotal.direction, MonthTotal.settlement,
                               fn.SUM(MonthTotal.total_fen))
             .where(totals.scope(villages, public) & (MonthTotal.month >= _month_of(first)) &
                    (MonthTotal.month <= _month_of(last)))
             .group_by(MonthTotal.account, MonthTotal.direction, MonthTotal.settlement))
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


def entry_count(villages, period, public=True):
    """How many entries ``period``'s statement sums (from the month totals)."""
    first, last, _kind = period_range(period)
    return int(MonthTotal.select(fn.SUM(MonthTotal.entries)).where(
        totals.scope(villages, public) & (MonthTotal.month >= _month_of(first)) &
        (MonthTotal.month <= _month_of(last))).scalar() or 0)


def year_by_village(villages, year):
    """{village: {"income", "expense"}} of the year's published entries (fen), from the month totals."""
    first, last, _kind = period_range(str(year))
    out = {}
    query = (MonthTotal.select(MonthTotal.village, MonthTotal.direction, fn.SUM(MonthTotal.total_fen))
             .where(totals.scope(villages, True) & (MonthTotal.month >= _month_of(first)) &
                    (MonthTotal.month <= _month_of(last)))
             .group_by(MonthTotal.village, MonthTotal.direction))
    for village, direction, total in query.tuples():
        out.setdefault(village, {"income": 0, "expense": 0})[direction] = int(total or 0)
    return out


def published_months(villages):
    """Yield the export's line of every published month of ``villages`` (by village, then month):
    opening, income, expense and closing as ``statement(v, month)`` computes them, read in one pass.

    One grouped query sums the public month totals per village, month, settlement and direction; a
    month's opening is the village's opening figures (when dated before the month) plus every
    earlier month's movements, its closing the opening plus its own."""
    from portal.ledger.models import Period
    openings = {o.village_id: o for o in Opening.select().where(Opening.village.in_(list(villages)))}
    moves = {}  # village -> {month: {(settlement, direction): fen}}
    query = (MonthTotal.select(MonthTotal.village, MonthTotal.month, MonthTotal.settlement, MonthTotal.direction,
                               fn.SUM(MonthTotal.total_fen))
             .where(totals.scope(villages, True))
             .group_by(MonthTotal.village, MonthTotal.month, MonthTotal.settlement, MonthTotal.direction).tuples())
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
        for m, sums in moves.get(village, {}).items():
            if m > month:
                continue
            for (settlement, direction), total in sums.items():
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
    by_month = {f"{year}-{m:02d}": [0, 0] for m in range(1, 13)}
    query = (MonthTotal.select(MonthTotal.month, MonthTotal.direction, fn.SUM(MonthTotal.total_fen))
             .where(totals.scope(villages, public) & (MonthTotal.month >= f"{year}-01") &
                    (MonthTotal.month <= f"{year}-12"))
             .group_by(MonthTotal.month, MonthTotal.direction))
    for month, direction, total in query.tuples():
        if month in by_month:
            by_month[month][0 if direction == "income" else 1] += total or 0
    return [(m, v[0], v[1]) for m, v in by_month.items()]


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
