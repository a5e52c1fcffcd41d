"""Publication duties (公开责任): what each village must publish and how often.

A rule names the category (and optionally the micro-power category) that
fulfils it and a frequency. For each village the last closed period is
``overdue`` when nothing was published for it within the grace days; otherwise
the duty is ``met`` when the current period already has a publication and
``due`` when it still needs one.
"""
import datetime

from portal.db import database
from portal.errors import ValidationError
from portal.i18n import N_
from portal.permissions import require
from portal.publications.audit_trail import audit_object
from portal.publications.categories import CATEGORIES, POWER_CATEGORIES
from portal.publications.dates import today, utc_range
from portal.publications.models import DutyRule, PowerItem, Publication

FREQUENCIES = {"monthly": N_("每月"), "quarterly": N_("每季度"), "yearly": N_("每年")}
DUTY_STATES = {"met": N_("已按时公开"), "due": N_("本期待公开"), "overdue": N_("逾期未公开")}
_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def add_rule(actor, name, category, frequency, grace_days=10, power_category=""):
    """A new duty for every village (admin); audited because it is public policy."""
    if actor is not None:
        require(actor, "publication.duties")
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationError("bad_name", "规则名称必填，不超过80个字。")
    if category not in CATEGORIES:
        raise ValidationError("bad_category", "公开类别无效。")
    if power_category and power_category not in POWER_CATEGORIES:
        raise ValidationError("bad_power_category", "权力类别无效。")
    if frequency not in FREQUENCIES:
        raise ValidationError("bad_frequency", "频率必须是每月、每季度或每年。")
    if not isinstance(grace_days, int) or not 0 <= grace_days <= 90:
        raise ValidationError("bad_grace_days", "宽限天数须在0–90之间。")
    with database.atomic():
        rule = DutyRule.create(name=name, category=category, frequency=frequency, grace_days=grace_days,
                               power_category=power_category or "")
        audit_object(actor, "publication.duty_rule", "duty_rule", rule.id,
                     {"id": rule.id, "name": name, "category": category, "frequency": frequency,
                      "grace_days": grace_days, "power_category": rule.power_category})
    return rule


def period_bounds(frequency, on):
    """(first day, last day) of the period containing ``on``."""
    months = _MONTHS[frequency]
    start_month = (on.month - 1) // months * months + 1
    start = datetime.date(on.year, start_month, 1)
    end_month = start_month + months
    end = datetime.date(on.year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - datetime.timedelta(days=1)
    return start, end


def _published_between(village, rule, first_day, last_day):
    start, end = utc_range(first_day, last_day)
    query = Publication.select().where(
        (Publication.village == village) & (Publication.category == rule.category)
        & (Publication.status.in_(("published", "superseded", "withdrawn")))
        & (Publication.published_at >= start) & (Publication.published_at < end))
    if rule.power_category:
        query = query.join(PowerItem, on=(Publication.power == PowerItem.code)).where(
            PowerItem.category == rule.power_category)
    return query.exists()


def duty_status(village, on=None):
    """One dict per active rule: state met/due/overdue and the deadline it is measured against."""
    on = on or today()
    out = []
    for rule in DutyRule.select().where(DutyRule.active).order_by(DutyRule.id):
        current_start, current_end = period_bounds(rule.frequency, on)
        prev_start, prev_end = period_bounds(rule.frequency, current_start - datetime.timedelta(days=1))
        grace = datetime.timedelta(days=rule.grace_days)
        prev_met = _published_between(village, rule, prev_start, min(prev_end + grace, on))
        current_met = _published_between(village, rule, current_start, on)
        if current_met:
            state, deadline = "met", current_end + grace
        elif not prev_met and on > prev_end + grace:
            state, deadline = "overdue", prev_end + grace
        elif not prev_met:
            state, deadline = "due", prev_end + grace
        else:
            state, deadline = "due", current_end + grace
        out.append({"rule": rule, "state": state, "state_name": DUTY_STATES[state], "deadline": deadline,
                    "frequency_name": FREQUENCIES[rule.frequency], "category_name": CATEGORIES[rule.category]})
    return out


def summary(statuses):
    counts = {state: 0 for state in DUTY_STATES}
    for item in statuses:
        counts[item["state"]] += 1
    return counts
