"""点题整治: a campaign groups follow-ups (and reports and red flags) under one theme, unit and period.

Opening and publishing are transitions of ``CAMPAIGN`` through the one write path.
Progress is counted per village from the campaign's follow-ups and flags, and from what other
domains join to it on their own side (reports), which they count themselves through
``registry.campaign_members`` (``portal.core.domain.CampaignMembers``), each as far as the viewer
may know it; once the inspector publishes it with a summary, the summary page is public.
"""
import datetime
from collections import OrderedDict

from flask import url_for
from peewee import fn

from portal.core import records, registry
from portal.core.clock import iso, parse_date, today, utcnow
from portal.core.i18n import N_
from portal.core.errors import NotFound, ValidationError
from portal.core.permissions import can
from portal.core.personal_data import mask
from portal.core.records import RecordType, Transition
from portal.core.text import clean_text
from portal.followups.models import FINDINGS, THEMES, Campaign, CampaignFlag, Followup
from portal.units.models import Unit

STATES = {"active": N_("进行中"), "published": N_("已公布")}


def _open(actor, row, data):
    row.title = clean_text(data.get("title"), "title", "专项名称", 120, required=True)
    theme = data.get("theme")
    if theme not in THEMES:
        raise ValidationError("bad_theme", "请选择整治主题。")
    row.theme = theme
    unit = data["unit_row"]
    row.unit, row.unit_path = unit, unit.path
    starts = parse_date(data.get("starts_on"), "starts_on", "开始日期") or today()
    ends = parse_date(data.get("ends_on"), "ends_on", "结束日期") or starts + datetime.timedelta(days=365)
    if ends < starts:
        raise ValidationError("bad_ends_on", "结束日期不能早于开始日期。")
    row.starts_on, row.ends_on = starts, ends
    row.description = clean_text(data.get("description"), "description", "整治内容", 4000)
    row.created_by = actor


def _publish(actor, row, data):
    row.summary = clean_text(data.get("summary"), "summary", "整治情况通报", 8000, required=True)
    row.published_at = utcnow()


def payload(row):
    return {"id": row.id, "title": mask(row.title), "theme": row.theme, "unit": row.unit_id, "state": row.state,
            "starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat(),
            "description": mask(row.description), "summary": mask(row.summary)}


CAMPAIGN = RecordType(
    name="campaign", label="点题整治", model=Campaign, states=STATES, public_states=("published",),
    unit_of=lambda row: row.unit, find_unit=lambda code: Unit.get_or_none(Unit.code == code), public_fields=(),
    generic=False, title_of=lambda row: row.title, url_of=lambda campaign_id: f"/campaigns/{campaign_id}",
    transitions=[Transition("create", "campaign.manage", [None], "active", change=_open, payload=payload),
                 Transition("publish", "campaign.manage", ["active"], "published", change=_publish, payload=payload,
                            refusals={"published": "该专项整治已经公布。"})])


def rederive(entry):
    row = Campaign.get_or_none(Campaign.id == int(entry.object_id))
    if row is None:
        raise LookupError(entry.object_id)
    return payload(row) if row.audit_index == entry.index else None


def open_campaign(actor, data):
    """An inspector opens a campaign in a unit their own unit covers."""
    unit = Unit.get_or_none(Unit.code == str(data.get("unit") or ""))
    if unit is None or unit.level not in ("county", "township", "village"):
        raise NotFound("bad_unit", "整治范围（单位代码）不存在。")
    return records.create(CAMPAIGN, actor, unit, dict(data, unit_row=unit))


def publish(actor, campaign_id, summary):
    return records.transition(CAMPAIGN, actor, campaign_id, "publish", {"summary": summary})


def villages_of(campaign):
    return list(Unit.select().where(Unit.path.startswith(campaign.unit_path) & (Unit.level == "village"))
                .order_by(Unit.path, Unit.sort_order))


MEMBER_STAGES = ("open", "answered", "concluded")


def progress(campaign, viewer=None):
    """Per village: follow-ups open, overdue, answered, concluded, findings by kind, flags added, and
    under ``members`` the counts of each kind of other domains' members ``viewer`` may know of (None: the
    public); ``totals["members"]`` sums them, one entry per kind shown."""
    rows = OrderedDict((v.code, {"village": v.code, "name": v.name, "open": 0, "overdue": 0, "answered": 0,
                                 "concluded": 0, "flags": 0, **{f: 0 for f in FINDINGS}})
                       for v in villages_of(campaign))
    now = today()
    query = (Followup.select(Followup.unit, Followup.state, Followup.finding,
                             (Followup.due_on < now).alias("late"), fn.COUNT(Followup.id).alias("n"))
             .where(Followup.campaign == campaign).group_by(Followup.unit, Followup.state, Followup.finding,
                                                            Followup.due_on < now).tuples())
    for unit_code, state, finding, late, n in query:
        row = rows.get(unit_code)
        if row is None:
            continue
        if state in ("waiting", "escalated"):
            row["open"] += n
            row["overdue"] += n if late else 0
        elif state == "answered":
            row["answered"] += n
        else:
            row["concluded"] += n
            if finding in FINDINGS:
                row[finding] += n
    flags = (CampaignFlag.select(CampaignFlag.village, fn.COUNT(CampaignFlag.id)).where(CampaignFlag.campaign == campaign)
             .group_by(CampaignFlag.village).tuples())
    for village_code, n in flags:
        if village_code in rows:
            rows[village_code]["flags"] += n
    totals = {k: sum(r[k] for r in rows.values()) for k in ("open", "overdue", "answered", "concluded", "flags",
                                                             *FINDINGS)}
    totals["members"] = _members(campaign, rows, viewer)
    return list(rows.values()), totals


def _members(campaign, rows, viewer):
    """Each member kind's counts into its village's row; its totals (only the kinds ``viewer`` may know)."""
    for row in rows.values():
        row["members"] = {}
    totals = {}
    for key, members in registry.of().campaign_members.items():
        counts = members.count(campaign.id, list(rows), viewer)
        if counts is None:
            continue
        totals[key] = dict.fromkeys(MEMBER_STAGES, 0)
        for code, got in counts.items():
            if code not in rows:
                continue
            rows[code]["members"][key] = {stage: int(got.get(stage, 0)) for stage in MEMBER_STAGES}
            for stage in MEMBER_STAGES:
                totals[key][stage] += rows[code]["members"][key][stage]
    return totals


def member_labels():
    """Each member kind's Chinese name, for the pages (the counts' keys name the kinds)."""
    return {key: m.label for key, m in registry.of().campaign_members.items()}


def view(row, external=True, viewer=None):
    villages, totals = progress(row, viewer)
    return {"id": row.id, "title": mask(row.title), "theme": row.theme, "theme_name": THEMES[row.theme],
            "unit": row.unit_id, "state": row.state, "starts_on": row.starts_on.isoformat(),
            "ends_on": row.ends_on.isoformat(), "description": mask(row.description),
            "summary": mask(row.summary) or None, "published_at": iso(row.published_at),
            "progress": {"villages": villages, "totals": totals}, "audit_index": row.audit_index,
            "url": url_for("followups.campaign", campaign_id=row.id, _external=external)}


def in_scope(unit):
    """Campaigns an inspector of ``unit`` sees: those in units they cover and those covering them."""
    covering = fn.SUBSTR(unit.path, 1, fn.LENGTH(Campaign.unit_path)) == Campaign.unit_path
    return Campaign.select().where(Campaign.unit_path.startswith(unit.path) | covering)


def get(campaign_id):
    return records.get_row(CAMPAIGN, campaign_id)


def flag_ids(campaign):
    return [r.flag_id for r in CampaignFlag.select(CampaignFlag.flag_id).where(CampaignFlag.campaign == campaign)]


def may_manage(user, row):
    return can(user, "campaign.manage", row.unit)
