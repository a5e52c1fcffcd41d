"""Follow-ups (督办) on any record, their steps and files, and campaigns (点题整治).

A follow-up names its object by record type and id (``portal.core.records``), never
by a foreign key into another domain: one mechanism for every record type. It keeps
a copy of what it needs for lists (the object's unit, its path and masked title), so
an inspector's inbox over a county never joins another domain's tables.
"""
import peewee

from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.db import BaseModel
from portal.core.i18n import N_
from portal.core.records import RecordModel
from portal.units.models import Unit

VISIBILITIES = {"public": N_("公开"), "internal": N_("内部")}
FINDINGS = {"no_problem": N_("未发现问题"), "rectified": N_("已整改"), "referred": N_("移送纪律审查")}
THEMES = {"capitals": N_("三资管理"), "housing": N_("农村建房"), "relief": N_("困难救助"), "projects": N_("工程项目"),
          "benefits": N_("惠民惠农资金"), "conduct": N_("作风问题"), "other": N_("其他")}


class Campaign(RecordModel):
    """点题整治: a theme pursued in a unit over a period; follow-ups, reports and flags join it."""
    title = peewee.CharField(max_length=120)  # e.g. 2026年农村集体“三资”管理专项整治
    theme = peewee.CharField(max_length=16)  # one of THEMES
    unit = peewee.ForeignKeyField(Unit, backref="+", column_name="unit_code", object_id_name="unit_id")  # where it runs
    unit_path = peewee.CharField(max_length=120, index=True)  # the unit's path, for scope queries
    starts_on = peewee.DateField()  # the period it covers (China dates)
    ends_on = peewee.DateField()
    description = peewee.TextField(default="")  # what the inspectors look for, as written (masked when shown)
    summary = peewee.TextField(default="")  # the public summary written when it is published
    created_by = peewee.ForeignKeyField(User, backref="+")  # the inspector who opened it
    published_at = peewee.DateTimeField(null=True)  # naive UTC; once set the summary page is public


class Followup(RecordModel):
    """One 督办: a question on one object, who must answer by when, the answers and the finding."""
    object_type = peewee.CharField(max_length=40)  # a record type name (portal.core.records)
    object_id = peewee.BigIntegerField()  # the record's id
    object_title = peewee.CharField(max_length=200, default="")  # its masked title when the follow-up opened
    unit = peewee.ForeignKeyField(Unit, backref="+", column_name="unit_code", object_id_name="unit_id")  # the object's unit
    unit_path = peewee.CharField(max_length=120, index=True)  # that unit's path: scope queries by prefix
    question = peewee.TextField()  # what the inspector asks, as typed (masked wherever shown)
    assignee_user = peewee.ForeignKeyField(User, null=True, backref="+")  # a named person who must answer, or
    assignee_unit = peewee.ForeignKeyField(Unit, backref="+", column_name="assignee_unit_code",
                                           object_id_name="assignee_unit_id")  # the unit that must answer
    assignee_role = peewee.CharField(max_length=12)  # the role at that unit (the user's role for a named one)
    due_on = peewee.DateField(index=True)  # the answer's deadline (China date, inclusive)
    extended = peewee.BooleanField(default=False)  # the deadline may be extended once
    visibility = peewee.CharField(max_length=8, default="internal")  # one of VISIBILITIES
    campaign = peewee.ForeignKeyField(Campaign, null=True, backref="followups")  # the 点题整治 it belongs to
    flag_id = peewee.BigIntegerField(null=True, index=True)  # the red flag it was opened from
    opened_by = peewee.ForeignKeyField(User, backref="+")  # the inspector
    round = peewee.IntegerField(default=1)  # 1 + how many times the inspector asked again
    answered_at = peewee.DateTimeField(null=True)  # latest answer, naive UTC
    escalated_to = peewee.ForeignKeyField(Unit, null=True, backref="+", column_name="escalated_to_code",
                                          object_id_name="escalated_to_id")  # the assignee's superior unit, once overdue
    escalated_at = peewee.DateTimeField(null=True)
    finding = peewee.CharField(max_length=12, null=True)  # one of FINDINGS once concluded
    conclusion = peewee.TextField(default="")  # the inspector's conclusion text
    concluded_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("object_type", "object_id"), False), (("state", "due_on"), False))


class FollowupStep(BaseModel):
    """One step of a follow-up's thread, oldest first: what was said or decided, by whom, when."""
    followup = peewee.ForeignKeyField(Followup, backref="steps", on_delete="CASCADE")
    kind = peewee.CharField(max_length=12)  # open | answer | ask_again | extend | escalate | conclude
    text = peewee.TextField(default="")  # as typed (masked wherever shown)
    actor = peewee.ForeignKeyField(User, null=True, backref="+")  # None: the portal itself (escalation)
    due_on = peewee.DateField(null=True)  # the deadline this step set, if any
    at = peewee.DateTimeField(default=utcnow)


class FollowupFile(BaseModel):
    """A file attached to an answer (checked by portal.core.files); shown to staff only."""
    step = peewee.ForeignKeyField(FollowupStep, backref="files", on_delete="CASCADE")
    filename = peewee.CharField(max_length=160)  # path-free, masked name
    mime = peewee.CharField(max_length=40)  # from the content
    size = peewee.IntegerField()
    sha256 = peewee.CharField(max_length=64)  # vouched for by the answer's audit entry
    data = peewee.BlobField()


class CampaignFlag(BaseModel):
    """A red flag added to a campaign by an inspector."""
    campaign = peewee.ForeignKeyField(Campaign, backref="flags", on_delete="CASCADE")
    flag_id = peewee.BigIntegerField()  # portal.redflags RedFlag id
    village = peewee.ForeignKeyField(Unit, backref="+", column_name="village_code", object_id_name="village_id")  # the flag's village
    added_by = peewee.ForeignKeyField(User, backref="+")
    added_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("campaign", "flag_id"), True),)


class FlagReview(BaseModel):
    """What an inspector did with a red flag: looked at it, or dismissed it with a reason (the funnel)."""
    flag_id = peewee.BigIntegerField(index=True)  # portal.redflags RedFlag id
    kind = peewee.CharField(max_length=10)  # seen | dismissed
    reason = peewee.TextField(default="")  # why it was dismissed
    user = peewee.ForeignKeyField(User, backref="+")
    at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("kind", "flag_id"), False),)  # the dismissed flags, for the inbox's exclusion


class FunnelTally(BaseModel):
    """The funnel's later stages per village and flag kind, kept by the writes that move a flag on (the first
    look at it, its first follow-up, its first finding that counts), in their transactions; flags raised are
    kept by ``portal.redflags`` (``RedFlagTally``). ``inbox.rebuild_tally`` recounts it from the rows."""
    village = peewee.ForeignKeyField(Unit, backref="+", column_name="village_code", object_id_name="village_id")
    code = peewee.CharField(max_length=64)  # the flag's rule code
    looked_at = peewee.IntegerField(default=0)  # flags some inspector opened
    followed_up = peewee.IntegerField(default=0)  # flags a follow-up was opened from
    findings = peewee.IntegerField(default=0)  # flags whose follow-up concluded rectified or referred

    class Meta:
        indexes = ((("village", "code"), True),)


MODELS = [Campaign, Followup, FollowupStep, FollowupFile, CampaignFlag, FlagReview, FunnelTally]
