"""The red-flag inbox: every open flag in an inspector's scope, what was done with it, and the funnel.

Flags are computed by the domains' rules and kept by ``portal.redflags``; this module
only reads them and records what inspectors did: looked at a flag (``FlagReview``
seen, once per inspector), dismissed it with a reason (audited), added it to a
campaign (audited), or opened a follow-up from it (``Followup.flag_id``). The funnel
counts, per township and per flag kind, as DOZORRO does: flags raised → looked at →
followed up → findings (rectified or referred).
"""
import json

from portal.core import registry
from portal.core.auditing import record
from portal.core.clock import utc_range
from portal.core.db import transaction
from portal.core.errors import Conflict, NotFound, PermissionDenied
from portal.core.permissions import can
from portal.core.records import object_url
from portal.core.text import clean_text
from portal.followups import counting
from portal.followups import funnel as tally
from portal.followups.objects import followable_types as followable_types_of
from portal.followups.models import CampaignFlag, FlagReview, Followup
from portal.redflags.models import RedFlag
from portal.redflags.services import open_flags
from portal.units.models import Unit

PER_PAGE = 20


def _dismissed():
    return FlagReview.select(FlagReview.flag_id).where(FlagReview.kind == "dismissed")


def _villages_under(unit):
    """The village codes under ``unit``: the flags' village index serves them (a path prefix test with
    LIKE cannot use an index in SQLite)."""
    return [code for (code,) in Unit.select(Unit.code).where(Unit.path.startswith(unit.path) &
                                                             (Unit.level == "village")).tuples()]


def query(unit, code=None, village=None, since=None, until=None, dismissed=False):
    """Open flags under ``unit``, newest first, filtered; dismissed ones only when asked for."""
    return _dismissal(_open(unit, code, village, since, until), dismissed)


def _open(unit, code=None, village=None, since=None, until=None):
    if village is not None:
        q = open_flags(village_ids=[village.code], code=code or None)
    elif unit.parent_id is None:  # the county: every flag is in scope, no village test at all
        q = open_flags(code=code or None)
    else:
        q = open_flags(village_ids=_villages_under(unit), code=code or None)
    if since is not None or until is not None:
        start, end = utc_range(since or until, until or since)
        if since is not None:
            q = q.where(RedFlag.raised_at >= start)
        if until is not None:
            q = q.where(RedFlag.raised_at < end)
    return q


def _dismissal(q, dismissed):
    return q.where(RedFlag.id.in_(_dismissed()) if dismissed else RedFlag.id.not_in(_dismissed()))


def count(unit, code=None, village=None, since=None, until=None, dismissed=False):
    """How many flags ``query`` lists, counted up to ``counting.CAP`` (a county holds 100,000: an exact
    count would read every one on every page)."""
    return counting.capped(query(unit, code, village, since, until, dismissed))


def page_of(q, page):
    """The page's flags as dicts: each with its rule, evidence, object link and what was done with it."""
    rows = list(q.paginate(page, PER_PAGE))
    ids = [r.id for r in rows]
    followed = {}
    for f in Followup.select(Followup.id, Followup.flag_id, Followup.state).where(Followup.flag_id.in_(ids)):
        followed.setdefault(f.flag_id, []).append(f)
    reviews = {}
    for r in FlagReview.select().where(FlagReview.flag_id.in_(ids)).order_by(FlagReview.id):
        reviews.setdefault(r.flag_id, []).append(r)
    in_campaign = {c.flag_id for c in CampaignFlag.select(CampaignFlag.flag_id).where(CampaignFlag.flag_id.in_(ids))}
    rules = registry.of().flag_rules
    followable_types = followable_types_of()
    linked_types = set(registry.of().record_types) | set(registry.of().subjects)
    villages = {u.code: u.name for u in Unit.select(Unit.code, Unit.name).where(
        Unit.code.in_({r.village_code for r in rows}))}
    out = []
    for r in rows:
        rule = rules.get(r.code)
        evidence = json.loads(r.evidence)
        followable = r.object_type in followable_types
        # a record's or a subject's (a village's duties) page; else the page its evidence names, if any
        url = object_url(r.object_type, r.object_id) if r.object_type in linked_types else None
        if url is None and isinstance(evidence, dict) and str(evidence.get("url", "")).startswith("/"):
            url = evidence["url"]
        out.append({"id": r.id, "code": r.code, "title": rule.title if rule else r.code,
                    "description": rule.description if rule else "", "object_type": r.object_type,
                    "object_id": r.object_id, "url": url, "village": r.village_code,
                    "village_name": villages.get(r.village_code, r.village_code), "raised_at": r.raised_at,
                    "evidence": evidence, "followable": followable, "followups": followed.get(r.id, []),
                    "reviews": reviews.get(r.id, []), "in_campaign": r.id in in_campaign})
    return out


def get_flag(user, flag_id):
    """The flag if it lies in the inspector's scope (else not_found: another scope's flags do not exist)."""
    row = RedFlag.get_or_none(RedFlag.id == flag_id)
    if row is None or user.unit is None or not row.path.startswith(user.unit.path):
        raise NotFound("bad_flag", "找不到该红旗预警。")
    return row


def mark_seen(user, flag):
    """The first time an inspector opens a flag counts as 'looked at' in the funnel."""
    if FlagReview.select().where((FlagReview.flag_id == flag.id) & (FlagReview.kind == "seen") &
                                 (FlagReview.user == user)).exists():
        return
    with transaction(lock=True):
        if FlagReview.select().where((FlagReview.flag_id == flag.id) & (FlagReview.kind == "seen") &
                                     (FlagReview.user == user)).exists():
            return  # the same inspector in another tab, meanwhile
        tally.count_look(flag.id)
        FlagReview.create(flag_id=flag.id, kind="seen", user=user)


def review_payload(review):
    return {"id": review.id, "flag": review.flag_id, "kind": review.kind, "reason": review.reason}


def dismiss(user, flag_id, reason):
    """Dismiss a flag with a reason (audited); it leaves the inbox but stays counted in the funnel."""
    flag = get_flag(user, flag_id)
    if not can(user, "followup.open", Unit.get(Unit.code == flag.village_code)):
        raise PermissionDenied("not_allowed", "您没有权限执行此操作。")
    reason = clean_text(reason, "reason", "排除理由", 500, required=True)
    with transaction(lock=True):
        if FlagReview.select().where((FlagReview.flag_id == flag.id) & (FlagReview.kind == "dismissed")).exists():
            raise Conflict("already_dismissed", "该预警已经排除。")
        review = FlagReview.create(flag_id=flag.id, kind="dismissed", reason=reason, user=user)
        record(user, "redflag.dismiss", "flag_review", review.id, review_payload(review))
    return review


def add_to_campaign(user, flag_id, campaign):
    """Add a flag to a campaign covering its village (audited); adding twice writes nothing more."""
    flag = get_flag(user, flag_id)
    village = Unit.get(Unit.code == flag.village_code)
    if not can(user, "campaign.manage", campaign.unit) or not campaign.unit.covers(village):
        raise PermissionDenied("not_allowed", "该预警不在这一专项整治的范围内。")
    if campaign.state != "active":
        raise Conflict("bad_state", "只能加入进行中的专项整治。")
    with transaction(lock=True):
        existing = CampaignFlag.get_or_none((CampaignFlag.campaign == campaign) & (CampaignFlag.flag_id == flag.id))
        if existing is not None:
            return existing
        row = CampaignFlag.create(campaign=campaign, flag_id=flag.id, village=village, added_by=user)
        record(user, "campaign.add_flag", "campaign_flag", row.id,
               {"id": row.id, "campaign": campaign.id, "flag": flag.id, "village": village.code})
    return row


def rederive_review(entry):
    row = FlagReview.get_or_none(FlagReview.id == int(entry.object_id))
    if row is None:
        raise LookupError(entry.object_id)
    return review_payload(row)


def rederive_campaign_flag(entry):
    row = CampaignFlag.get_or_none(CampaignFlag.id == int(entry.object_id))
    if row is None:
        raise LookupError(entry.object_id)
    return {"id": row.id, "campaign": row.campaign_id, "flag": row.flag_id, "village": row.village_id}


def new_count(user):
    """Open flags in scope nobody has looked at or dismissed yet (the inspector's home page)."""
    return summary(user.unit)["new"]


def summary(unit):
    """The inbox's head: the open flags in scope it lists (``total``) and those nobody has looked at or
    dismissed yet (``new``), each counted up to ``counting.CAP``."""
    base = _open(unit)
    return {"total": counting.capped(_dismissal(base, False)),
            "new": counting.capped(base.where(RedFlag.id.not_in(FlagReview.select(FlagReview.flag_id))))}


def funnel(unit):
    """Per township and per flag code under ``unit``: raised, looked at, followed up, findings.

    Raised counts every flag ever raised (cleared ones too: a flag cleared by a correction
    was still raised); the later stages count distinct flags. Read from the tallies the writes
    keep (``portal.followups.funnel``), summed per township.
    """
    return tally.funnel(unit)
