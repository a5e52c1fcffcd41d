"""Month totals (月度汇总): each village-month's entries summed per state, account, direction and settlement.

The statements, the village's chart and the export add these up instead of the rows: a quarter is
three months of a few dozen totals, not a thousand entries, and a statement's opening balance is
every earlier month's totals, not every earlier entry. Every write of entries refreshes its month
in the same transaction (a new entry or reversal, an import, a month's publication), so the totals
never disagree with the rows; ``rebuild`` makes the whole table again from the rows (an instance
migrated, a ledger written in bulk) and gives the same table.
"""
from peewee import fn

from portal.ledger.models import Entry, MonthTotal

FIELDS = [MonthTotal.village, MonthTotal.month, MonthTotal.state, MonthTotal.account, MonthTotal.direction,
          MonthTotal.settlement, MonthTotal.total_fen, MonthTotal.entries]


def _sums(cond=None):
    query = Entry.select(Entry.village, Entry.month, Entry.state, Entry.account, Entry.direction, Entry.settlement,
                         fn.SUM(Entry.amount_fen), fn.COUNT(Entry.id))
    if cond is not None:
        query = query.where(cond)
    return query.group_by(Entry.village, Entry.month, Entry.state, Entry.account, Entry.direction, Entry.settlement)


def refresh(village, month):
    """The totals of one village-month made again from its rows (call inside the writing transaction)."""
    MonthTotal.delete().where((MonthTotal.village == village) & (MonthTotal.month == month)).execute()
    MonthTotal.insert_from(_sums((Entry.village == village) & (Entry.month == month)), FIELDS).execute()


def rebuild():
    """Every village-month's totals from the rows."""
    MonthTotal.delete().execute()
    MonthTotal.insert_from(_sums(), FIELDS).execute()


def scope(villages, public):
    """The totals of ``villages`` (codes): of published entries only when ``public``."""
    cond = MonthTotal.village.in_(list(villages))
    return cond & (MonthTotal.state == "published") if public else cond
