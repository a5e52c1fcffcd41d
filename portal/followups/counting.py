"""Counting a list's rows without reading all of them.

A county's inbox holds 100,000 open flags and its follow-up list tens of thousands: counting them
exactly on every page reads every row of the index (most of the page's time on a busy machine),
while nobody pages past the first few dozen pages. So lists count up to ``CAP`` rows and then say
"more than": ``Total`` is the number (an int, for the pager's arithmetic) and prints as ``1000+``
when the list holds more.
"""
from peewee import SQL

CAP = 1000  # 50 pages of 20


class Total(int):
    """A row count that may be a lower bound: ``more`` when the list holds more than the number."""

    def __new__(cls, value, more=False):
        obj = super().__new__(cls, value)
        obj.more = more
        return obj

    def __str__(self):
        return f"{int(self)}+" if self.more else str(int(self))

    __repr__ = __str__


def capped(query, cap=None):
    """How many rows ``query`` gives, reading at most ``cap + 1`` of them (its ORDER BY dropped)."""
    cap = CAP if cap is None else cap
    n = query.select(SQL("1")).order_by().limit(cap + 1).count()
    return Total(min(n, cap), more=n > cap)


def pages(total, per_page):
    """How many pages the counted rows fill (past the cap the pager offers "next" all the same)."""
    return max(1, -(-int(total) // per_page))
