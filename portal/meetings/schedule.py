"""Starting a meeting early or late is recorded and shown.

Residents plan to watch at the announced time; a meeting that went live on
another day, or well before or after the hour, must say so. The offset is
computed from the scheduled and actual start (both stored); the start
item's data carries it into the audit log. Within ``TOLERANCE_MINUTES`` a
start counts as on time.
"""
from flask_babel import gettext as _

from portal.core.clock import local_text

TOLERANCE_MINUTES = 15


def offset_minutes(starts_at, started_at):
    """Whole minutes the actual start differs from the scheduled one (negative: early)."""
    return round((started_at - starts_at).total_seconds() / 60)


def _span(minutes):
    minutes = abs(minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)s天%(h)s小时", d=days, h=hours) if hours else _("%(d)s天", d=days)
    if hours:
        return _("%(h)s小时%(m)s分钟", h=hours, m=mins) if mins else _("%(h)s小时", h=hours)
    return _("%(m)s分钟", m=mins)


def start_note(meeting):
    """"比原定时间提前2天开始（原定 …，实际 …）" or "" when on time or not started."""
    if meeting.started_at is None:
        return ""
    minutes = offset_minutes(meeting.starts_at, meeting.started_at)
    if abs(minutes) <= TOLERANCE_MINUTES:
        return ""
    when = {"planned": local_text(meeting.starts_at), "actual": local_text(meeting.started_at),
            "span": _span(minutes)}
    if minutes < 0:
        return _("比原定时间提前%(span)s开始（原定 %(planned)s，实际 %(actual)s）", **when)
    return _("比原定时间推迟%(span)s开始（原定 %(planned)s，实际 %(actual)s）", **when)
