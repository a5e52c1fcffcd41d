"""Duties of the amount-threshold kind: a matter of the rule's category whose
金额 reaches the threshold must be published within N days of its 决定日期.

A matter is a series (a record and its corrections): its newest version says
the amount and the decision date, its first publication says when it became
public. Each matter is ``met`` (published by the deadline), ``due`` (not yet
published, deadline ahead) or ``overdue`` (published late, or unpublished past
the deadline). Late publication stays on the record: that is the point of it.
"""
import datetime

from portal.core.clock import CST, aware
from portal.publications.models import PowerItem, Publication

WINDOW_DAYS = 366  # matters decided within the last year are shown


def _local_day(naive_utc):
    return aware(naive_utc).astimezone(CST).date()


def _series_rows(village, rule, on):
    query = Publication.select().where(
        (Publication.village == village) & (Publication.category == rule.category)
        & Publication.decided_on.is_null(False) & Publication.amount.is_null(False)
        & (Publication.decided_on >= on - datetime.timedelta(days=WINDOW_DAYS)))
    if rule.power_category:
        query = query.join(PowerItem, on=(Publication.power == PowerItem.code)).where(
            PowerItem.category == rule.power_category)
    by_series = {}
    for row in query.order_by(Publication.series, Publication.version):
        by_series.setdefault(row.series, []).append(row)
    return by_series.values()


def matter_state(decided_on, within_days, published_on, on):
    """(state, deadline) of one matter on day ``on``."""
    deadline = decided_on + datetime.timedelta(days=within_days)
    if published_on is not None:
        return ("met" if published_on <= deadline else "overdue"), deadline
    return ("due" if on <= deadline else "overdue"), deadline


def matters(village, rule, on):
    """One dict per matter above the threshold, oldest decision first.

    ``public`` is the newest public version (None while only drafts exist:
    their title and amount stay private, only the decision date shows).
    """
    out = []
    for versions in _series_rows(village, rule, on):
        newest = versions[-1]
        if newest.amount < rule.threshold:
            continue
        published = [v.published_at for v in versions if v.published_at is not None]
        published_on = _local_day(min(published)) if published else None
        state, deadline = matter_state(newest.decided_on, rule.within_days, published_on, on)
        public = next((v for v in reversed(versions) if v.is_public), None)
        out.append({"series": newest.series, "decided_on": newest.decided_on, "deadline": deadline,
                    "published_on": published_on, "state": state, "public": public})
    return sorted(out, key=lambda m: (m["decided_on"], m["series"]))


def overall(items):
    """The rule's state for a village: the worst of its matters (met when there are none)."""
    states = {m["state"] for m in items}
    for state in ("overdue", "due"):
        if state in states:
            return state
    return "met"
