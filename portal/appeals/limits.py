"""Categories and time limits (办理时限): configurable, and the clock that computes deadlines.

A category names its class of time limit; the class's hours come from the app's
configuration (``APPEAL_LIMIT_HOURS``), so a county sets its own. Intake (受理)
must happen within ``APPEAL_INTAKE_WORKING_HOURS`` working hours (Monday to
Friday, 08:00–12:00 and 14:00–18:00 China time); handling limits run in
calendar hours, as residents count them. Overdue is never stored: it is
``due_at < now`` on an open appeal, so it is right whenever it is read.
"""
import datetime

from flask import current_app

from portal.core.clock import CST, aware
from portal.core.i18n import N_

# key -> (Chinese name, time-limit class)
CATEGORIES = {
    "utilities": (N_("水电路灯"), "utilities"),
    "roads": (N_("道路交通"), "general"),
    "environment": (N_("环境卫生"), "general"),
    "safety": (N_("安全隐患"), "utilities"),
    "welfare": (N_("民生救助"), "general"),
    "land": (N_("土地与邻里纠纷"), "complex"),
    "affairs": (N_("村务监督"), "complex"),
    "other": (N_("其他"), "general"),
}
DEFAULT_LIMIT_HOURS = {"urgent": 2, "utilities": 24, "general": 7 * 24, "complex": 15 * 24}
DEFAULT_INTAKE_WORKING_HOURS = 2
DEFAULT_ESCALATION_HOURS = 72  # the new deadline at the upper level after 吹哨
DEFAULT_AUTO_ESCALATE_REOPENS = 2  # reopened this many times: it goes up the tree by itself
WORKING_PERIODS = ((8, 12), (14, 18))  # China time, Monday–Friday


def config(name, default):
    try:
        return current_app.config.get(name, default)
    except RuntimeError:
        return default


def limit_hours(category, urgent):
    hours = dict(DEFAULT_LIMIT_HOURS, **config("APPEAL_LIMIT_HOURS", {}))
    return hours["urgent"] if urgent else hours[CATEGORIES[category][1]]


def handling_due(start, category, urgent):
    return start + datetime.timedelta(hours=limit_hours(category, urgent))


def escalation_due(start):
    return start + datetime.timedelta(hours=config("APPEAL_ESCALATION_HOURS", DEFAULT_ESCALATION_HOURS))


def add_working_hours(start, hours):
    """``start`` (naive UTC) plus ``hours`` of working time, as naive UTC."""
    at = aware(start).astimezone(CST)
    left = datetime.timedelta(hours=hours)
    while True:
        if at.weekday() < 5:
            for begin, end in WORKING_PERIODS:
                open_at = at.replace(hour=begin, minute=0, second=0, microsecond=0)
                close_at = at.replace(hour=end, minute=0, second=0, microsecond=0)
                if at >= close_at:
                    continue
                at = max(at, open_at)
                if at + left <= close_at:
                    return (at + left).astimezone(datetime.timezone.utc).replace(tzinfo=None)
                left -= close_at - at
                at = close_at
        at = (at + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def intake_due(start):
    return add_working_hours(start, config("APPEAL_INTAKE_WORKING_HOURS", DEFAULT_INTAKE_WORKING_HOURS))


def auto_escalate_reopens():
    return config("APPEAL_AUTO_ESCALATE_REOPENS", DEFAULT_AUTO_ESCALATE_REOPENS)
