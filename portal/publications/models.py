"""Publications (公开记录) and what hangs off them: objections, attachments,
power-list steps, the power list itself and publication duties.

A published row's content columns are never written again: a correction is a
new row (``supersedes`` the old one, same ``series``), a withdrawal only sets
the withdrawal columns. Raw ``title``/``body`` stay inside the portal for the
clerk's editing; everything public reads the ``*_masked`` columns.
"""

import peewee

from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.db import BaseModel
from portal.units.models import Unit


class PowerItem(BaseModel):
    code = peewee.CharField(primary_key=True, max_length=16)  # e.g. "QY-01"
    name = peewee.CharField(max_length=80)  # 村级重大事项决策
    category = peewee.CharField(max_length=20)  # a POWER_CATEGORIES code
    basis = peewee.TextField(default="")  # legal basis and what the power covers
    sort_order = peewee.IntegerField(default=0)


class PowerStep(BaseModel):
    power = peewee.ForeignKeyField(PowerItem, backref="steps", column_name="power_code", object_id_name="power_id")
    position = peewee.IntegerField()  # 1-based order in the flowchart
    name = peewee.CharField(max_length=80)  # 村党组织提议
    role = peewee.CharField(max_length=60, default="")  # who is responsible
    limit_days = peewee.IntegerField(null=True)  # days allowed after the previous step

    class Meta:
        indexes = ((("power", "position"), True),)


class Publication(BaseModel):
    village = peewee.ForeignKeyField(Unit, backref="+", column_name="village_code", object_id_name="village_id")
    category = peewee.CharField(max_length=16)  # a CATEGORIES code
    power = peewee.ForeignKeyField(PowerItem, null=True, backref="+", column_name="power_code", object_id_name="power_id")
    series = peewee.IntegerField(null=True, index=True)  # id of the first version of this record
    version = peewee.IntegerField(default=1)  # 1, 2, ... within the series
    supersedes = peewee.ForeignKeyField("self", null=True, backref="+")  # the version this one corrects
    status = peewee.CharField(max_length=12, default="draft")  # a STATUSES code
    title = peewee.CharField(max_length=200)  # as typed by the clerk: never public
    body = peewee.TextField(default="")  # Markdown as typed: never public
    title_masked = peewee.CharField(max_length=200)  # public title
    body_masked = peewee.TextField(default="")  # public Markdown body
    masked_count = peewee.IntegerField(default=0)  # how many personal data items were hidden
    correction_note = peewee.TextField(default="")  # why this version corrects the previous one
    period_start = peewee.DateField(null=True)  # 公示期 start (local date)
    period_end = peewee.DateField(null=True)  # 公示期 end, inclusive
    amount = peewee.DecimalField(max_digits=14, decimal_places=2, null=True)  # 金额 in yuan, for amount duties
    decided_on = peewee.DateField(null=True)  # 决定日期: the day the matter was decided (local date)
    author = peewee.ForeignKeyField(User, null=True, backref="+")  # None: the system (a meeting archive)
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)
    review_note = peewee.TextField(default="")  # the supervisor's reason when sending back
    reviewed_by = peewee.ForeignKeyField(User, null=True, backref="+")
    reviewed_at = peewee.DateTimeField(null=True)
    published_by = peewee.ForeignKeyField(User, null=True, backref="+")
    published_at = peewee.DateTimeField(null=True, index=True)
    audit_index = peewee.IntegerField(null=True)  # the audit entry of publication
    superseded_at = peewee.DateTimeField(null=True)
    withdrawn_by = peewee.ForeignKeyField(User, null=True, backref="+")
    withdrawn_at = peewee.DateTimeField(null=True)
    withdraw_reason = peewee.TextField(default="")
    withdraw_audit_index = peewee.IntegerField(null=True)
    source_type = peewee.CharField(max_length=32, default="")  # e.g. "meeting" for system records
    source_id = peewee.CharField(max_length=64, default="")

    class Meta:
        # (village, published_at, id): a feed or list page reads a village's newest public records in
        # order and stops at its page; without it every public record of the village is read and sorted.
        # An existing database gets it from the upgrade's create_tables (CREATE INDEX IF NOT EXISTS).
        indexes = ((("village", "status", "published_at"), False), (("source_type", "source_id"), False),
                   (("village", "published_at", "id"), False))

    @property
    def is_public(self):
        from portal.publications.categories import PUBLIC_STATUSES
        return self.status in PUBLIC_STATUSES

    @property
    def has_period(self):
        return self.period_start is not None and self.period_end is not None


class Attachment(BaseModel):
    publication = peewee.ForeignKeyField(Publication, backref="attachments", on_delete="CASCADE")
    filename = peewee.CharField(max_length=160)  # masked, path-free name
    mime = peewee.CharField(max_length=40)  # from the content, never the name
    size = peewee.IntegerField()
    sha256 = peewee.CharField(max_length=64)  # recorded in the audit entry
    data = peewee.BlobField()
    thumbnail = peewee.BlobField(null=True)  # JPEG, images only
    uploaded_by = peewee.ForeignKeyField(User, backref="+")
    created_at = peewee.DateTimeField(default=utcnow)


class Objection(BaseModel):
    """异议: lodged during a 公示 period; public only after a supervisor let it through."""
    publication = peewee.ForeignKeyField(Publication, backref="objections", on_delete="CASCADE")
    author = peewee.ForeignKeyField(User, backref="+")
    text = peewee.TextField()  # as written (seen by the village's clerk and supervisors)
    text_masked = peewee.TextField()  # public form
    created_at = peewee.DateTimeField(default=utcnow)
    status = peewee.CharField(max_length=10, default="pending")  # pending | shown | rejected
    moderated_by = peewee.ForeignKeyField(User, null=True, backref="+")
    moderated_at = peewee.DateTimeField(null=True)
    moderation_note = peewee.TextField(default="")
    answer = peewee.TextField(default="")  # the clerk's answer, masked before storing
    answered_by = peewee.ForeignKeyField(User, null=True, backref="+")
    answered_at = peewee.DateTimeField(null=True)


class StepRecord(BaseModel):
    """One power-list step done for a record (series): which step, on which day."""
    series = peewee.IntegerField(index=True)
    publication = peewee.ForeignKeyField(Publication, backref="+")  # the version it was recorded on
    step = peewee.ForeignKeyField(PowerStep, backref="+")
    done_on = peewee.DateField()
    note = peewee.CharField(max_length=200, default="")
    recorded_by = peewee.ForeignKeyField(User, null=True, backref="+")
    recorded_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("series", "step"), True),)


class DutyRule(BaseModel):
    """What every village must publish, how often (公开责任)."""
    name = peewee.CharField(max_length=80)  # 财务收支每月公开
    category = peewee.CharField(max_length=16)  # CATEGORIES code that fulfils it
    power_category = peewee.CharField(max_length=20, default="")  # optional POWER_CATEGORIES code
    frequency = peewee.CharField(max_length=10)  # monthly | quarterly | yearly; "" for an amount rule
    grace_days = peewee.IntegerField(default=10)  # days after the period to publish it
    kind = peewee.CharField(max_length=10, default="periodic")  # periodic | amount
    threshold = peewee.DecimalField(max_digits=14, decimal_places=2, null=True)  # amount rule: 金额 ≥ this
    within_days = peewee.IntegerField(null=True)  # amount rule: publish within N days of the decision
    active = peewee.BooleanField(default=True)


MODELS = [PowerItem, PowerStep, Publication, Attachment, Objection, StepRecord, DutyRule]
