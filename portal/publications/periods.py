"""The 公示 period rule at publishing: residents must have time to object.

A 公示 published after its period has ended gave no one a chance to object,
yet was counted as published on time; one published on the period's last day
gave a day. So publishing is refused unless, counting today, at least
``min_days`` days of the period remain (村务公开 practice and most provincial
rules ask for no fewer than 5 or 7 days). The minimum is configurable with
``PORTAL_MIN_OBJECTION_DAYS`` (default 5). A pure function, so it is tested on
its own and the service calls it in one line.
"""
import datetime
import os

from portal.core.errors import ValidationError

DEFAULT_MIN_DAYS = 5


def min_objection_days():
    """The configured legal minimum of days left for objections (at least 1)."""
    raw = os.environ.get("PORTAL_MIN_OBJECTION_DAYS", "")
    return max(1, int(raw)) if raw.strip().isdigit() else DEFAULT_MIN_DAYS


def days_left(period_start, period_end, on):
    """Days of the period residents still have on ``on``, counting ``on`` itself (0 once it has ended)."""
    first = max(period_start, on)
    return max(0, (period_end - first).days + 1)


def check_publishable(period_start, period_end, on, min_days=None):
    """Refuse (``period_ended``, ``period_too_short``) a 公示 whose period leaves too little time to object."""
    if period_start is None or period_end is None:
        return
    min_days = min_objection_days() if min_days is None else min_days
    if period_end < on:
        raise ValidationError(
            "period_ended", "公示期已于%(month)s月%(day)s日结束，不能再公开；"
            "请修改公示期（至少留给村民%(min_days)s天提出异议）后重新送审。",
            month=period_end.month, day=period_end.day, min_days=min_days)
    left = days_left(period_start, period_end, on)
    if left < min_days:
        last = on + datetime.timedelta(days=min_days - 1)
        raise ValidationError(
            "period_too_short", "公示期只剩%(left)s天，村民至少要有%(min_days)s天提出异议；"
            "请把结束日期改到%(month)s月%(day)s日或以后。",
            left=left, min_days=min_days, month=last.month, day=last.day)
