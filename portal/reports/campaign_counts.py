"""How many reports joined a campaign (点题整治), per village, for the campaign's progress.

A report's village is never public: the audit page names no village for a report's entries and the
village page offers a way in, never a list. A count of reports per village on a published campaign's
summary would tell the village — and in a village of a few hundred people the cadre reported — that
someone there reported, and when the count grew, when. Even a campaign-wide total would, for a campaign
run in one village. So the counts go only to inspectors, and only for the villages their scope covers:
exactly what their report inbox already shows them (each report's unit and status). Everyone else,
admins included, gets ``None``: no line at all, not even a zero.

Statuses map onto the progress's stages: 待处理 (new) is open, 处理中 (an inspector replied) answered,
已办结 concluded. Nothing is read but the unit, the status and the campaign id.
"""
from peewee import fn

from portal.core.domain import CampaignMembers
from portal.core.i18n import N_
from portal.core.permissions import can
from portal.reports.models import Report
from portal.units.models import Unit

STAGES = {"new": "open", "handling": "answered", "closed": "concluded"}


def count(campaign_id, village_codes, viewer):
    if not can(viewer, "report.inspect") or viewer.unit is None:
        return None
    visible = [code for (code,) in Unit.select(Unit.code).where(
        Unit.code.in_(list(village_codes)) & Unit.path.startswith(viewer.unit.path)).tuples()]
    if not visible:
        return None  # the campaign lies outside the inspector's scope: nothing to say, not even zeros
    out = {code: dict.fromkeys(STAGES.values(), 0) for code in visible}
    query = (Report.select(Report.unit, Report.status, fn.COUNT(Report.id))
             .where((Report.campaign_id == campaign_id) & Report.unit.in_(visible))
             .group_by(Report.unit, Report.status).tuples())
    for unit_code, status, n in query:
        if status in STAGES:
            out[unit_code][STAGES[status]] += n
    return out


MEMBERS = CampaignMembers("reports", N_("举报"), count)
