"""Publication duties (公开责任): what each village must publish and how often.

A rule names the category (and optionally the micro-power category) that
fulfils it and a frequency. For each village the last closed period is
``overdue`` when nothing was published for it within the grace days; otherwise
the duty is ``met`` when the current period already has a publication and
``due`` when it still needs one. Rules of the ``amount`` kind are measured per
matter instead (see ``amount_duties``).
"""
import datetime

from portal.core.routing import to_id
from portal.core.text import clean_text
from portal.core import events
from portal.core.auditing import record
from portal.core.db import transaction
from portal.core.errors import Conflict, NotFound, ValidationError
from portal.core.i18n import N_
from portal.core.permissions import require
from portal.publications import amount_duties
from portal.core.money import amount_text, parse_amount
from portal.publications.categories import CATEGORIES, POWER_CATEGORIES
from portal.core.clock import today, utc_range
from portal.publications.models import DutyRule, PowerItem, Publication
from portal.core.clock import utcnow

FREQUENCIES = {"monthly": N_("每月"), "quarterly": N_("每季度"), "yearly": N_("每年")}
DUTY_STATES = {"met": N_("已按时公开"), "due": N_("本期待公开"), "overdue": N_("逾期未公开")}
KINDS = {"periodic": N_("定期公开"), "amount": N_("按金额公开")}
_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def _days(value, code, message, low, high):
    """Whole days from an int or a digit string (the admin form sends text)."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 4:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(code, message)
    return value


def add_rule(actor, name, category, frequency, grace_days=10, power_category="", kind="periodic",
             threshold=None, within_days=None):
    """A new duty for every village (admin); audited because it is public policy.

    ``periodic``: one publication per month/quarter/year within ``grace_days``.
    ``amount``: every matter with 金额 ≥ ``threshold`` within ``within_days`` of its decision.
    """
    if actor is not None:
        require(actor, "publication.duties")
    name = clean_text(name, "name", "规则名称", 80)
    if not name:
        raise ValidationError("bad_name", "规则名称必填，不超过80个字。")
    if category not in CATEGORIES:
        raise ValidationError("bad_category", "公开类别无效。")
    if power_category and power_category not in POWER_CATEGORIES:
        raise ValidationError("bad_power_category", "权力类别无效。")
    if kind not in KINDS:
        raise ValidationError("bad_kind", "规则类型必须是定期公开或按金额公开。")
    if kind == "periodic":
        if frequency not in FREQUENCIES:
            raise ValidationError("bad_frequency", "频率必须是每月、每季度或每年。")
        grace_days = _days(grace_days, "bad_grace_days", "宽限天数须在0–90之间。", 0, 90)
        threshold = within_days = None
    else:
        threshold = parse_amount(threshold, "threshold", "金额门槛")
        if threshold is None:
            raise ValidationError("missing_threshold", "按金额公开的规则须填写金额门槛。")
        within_days = _days(within_days, "bad_within_days", "公开时限须在1–365天之间。", 1, 365)
        frequency, grace_days = "", 0
    with transaction():
        rule = DutyRule.create(name=name, category=category, frequency=frequency, grace_days=grace_days,
                               power_category=power_category or "", kind=kind, threshold=threshold,
                               within_days=within_days)
        record(actor, "publication.duty_rule", "duty_rule", rule.id, rule_payload(rule))
        events.emit("public.changed", doc_type="duty_rule", object_id=str(rule.id))  # every village's duties move
    return rule


def rule_payload(rule):
    payload = {"id": rule.id, "name": rule.name, "category": rule.category, "frequency": rule.frequency,
               "grace_days": rule.grace_days, "power_category": rule.power_category}
    if rule.kind != "periodic":
        payload.update(kind=rule.kind, threshold=amount_text(rule.threshold), within_days=rule.within_days)
    return payload


def get_rule(rule_id):
    rule = DutyRule.get_or_none(DutyRule.id == to_id(rule_id)) if to_id(rule_id) is not None else None
    if rule is None:
        raise NotFound("duty_rule_not_found", "找不到该公开责任规则。")
    return rule


def disable_rule(actor, rule):
    """Stop measuring villages against a rule (admin, audited); the row stays for the record."""
    require(actor, "publication.duties")
    if not rule.active:
        raise Conflict("rule_disabled", "该规则已经停用。")
    with transaction():
        rule.active = False
        rule.save()
        record(actor, "publication.duty_rule_disable", "duty_rule", rule.id,
                     {"id": rule.id, "name": rule.name, "disabled_at": utcnow().isoformat()})
        events.emit("public.changed", doc_type="duty_rule", object_id=str(rule.id))
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


def _periods(rule, on):
    """(current period, previous period, grace) of a periodic rule on day ``on``."""
    current_start, current_end = period_bounds(rule.frequency, on)
    previous = period_bounds(rule.frequency, current_start - datetime.timedelta(days=1))
    return (current_start, current_end), previous, datetime.timedelta(days=rule.grace_days)


def _periodic_state(prev_met, current_met, on, prev_end, current_end, grace):
    """(state, deadline): met once the current period has its publication; overdue when the last
    closed period went without one past its grace days; due otherwise."""
    if current_met:
        return "met", current_end + grace
    if not prev_met and on > prev_end + grace:
        return "overdue", prev_end + grace
    if not prev_met:
        return "due", prev_end + grace
    return "due", current_end + grace


def _villages_published_between(village_codes, rule, first_day, last_day):
    """Which of ``village_codes`` published for ``rule`` between two local days (one query)."""
    start, end = utc_range(first_day, last_day)
    query = Publication.select(Publication.village).distinct().where(
        Publication.village.in_(list(village_codes)) & (Publication.category == rule.category)
        & (Publication.status.in_(("published", "superseded", "withdrawn")))
        & (Publication.published_at >= start) & (Publication.published_at < end))
    if rule.power_category:
        query = query.join(PowerItem, on=(Publication.power == PowerItem.code)).where(
            PowerItem.category == rule.power_category)
    return {row.village_id for row in query}


def duty_counts(villages, on=None):
    """``summary`` of ``duty_status`` summed over ``villages``, with two queries per periodic rule
    instead of two per rule and village (the dashboard's township and county figures)."""
    on = on or today()
    counts = {state: 0 for state in DUTY_STATES}
    codes = [v.code for v in villages]
    for rule in DutyRule.select().where(DutyRule.active).order_by(DutyRule.id):
        if rule.kind == "amount":
            for village in villages:
                counts[_amount_status(village, rule, on)["state"]] += 1
            continue
        (current_start, current_end), (prev_start, prev_end), grace = _periods(rule, on)
        prev_met = _villages_published_between(codes, rule, prev_start, min(prev_end + grace, on))
        current_met = _villages_published_between(codes, rule, current_start, on)
        for code in codes:
            counts[_periodic_state(code in prev_met, code in current_met, on, prev_end, current_end, grace)[0]] += 1
    return counts


def duty_status(village, on=None):
    """One dict per active rule: state met/due/overdue and the deadline it is measured against."""
    on = on or today()
    out = []
    for rule in DutyRule.select().where(DutyRule.active).order_by(DutyRule.id):
        if rule.kind == "amount":
            out.append(_amount_status(village, rule, on))
            continue
        (current_start, current_end), (prev_start, prev_end), grace = _periods(rule, on)
        prev_met = _published_between(village, rule, prev_start, min(prev_end + grace, on))
        current_met = _published_between(village, rule, current_start, on)
        state, deadline = _periodic_state(prev_met, current_met, on, prev_end, current_end, grace)
        out.append({"rule": rule, "state": state, "state_name": DUTY_STATES[state], "deadline": deadline,
                    "frequency_name": FREQUENCIES[rule.frequency], "category_name": CATEGORIES[rule.category]})
    return out


def _amount_status(village, rule, on):
    items = amount_duties.matters(village, rule, on)
    state = amount_duties.overall(items)
    open_deadlines = [m["deadline"] for m in items if m["published_on"] is None]
    for item in items:
        item["state_name"] = DUTY_STATES[item["state"]]
    return {"rule": rule, "state": state, "state_name": DUTY_STATES[state],
            "deadline": min(open_deadlines) if open_deadlines else None, "matters": items,
            "frequency_name": KINDS["amount"], "category_name": CATEGORIES[rule.category]}


def summary(statuses):
    counts = {state: 0 for state in DUTY_STATES}
    for item in statuses:
        counts[item["state"]] += 1
    return counts
