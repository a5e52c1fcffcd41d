"""The rows of a village works process: the project (the record), its bids, amendments,
milestones, payments and the OCDS releases each public step produced.

Only ``services`` writes them, each write inside the step's transaction with its audit entry.
"""
import peewee

from portal.core.db import BaseModel
from portal.core.records import RecordModel
from portal.core.clock import utcnow
from portal.units.models import Unit

MONEY = dict(max_digits=14, decimal_places=2)


class Project(RecordModel):
    """One contracting process (one ocid): the record whose state walks the stages."""
    village = peewee.ForeignKeyField(Unit, backref="+", column_name="village_code", object_id_name="village_id")  # the buyer
    ocid = peewee.CharField(max_length=64, unique=True, null=True)  # prefix + county code + id; set on create
    title = peewee.CharField(max_length=120)  # 工程名称, as typed (masked when public)
    description = peewee.TextField(default="")  # 工程内容
    budget = peewee.DecimalField(**MONEY)  # 预算, yuan
    funding_source = peewee.CharField(max_length=120, default="")  # 资金来源, e.g. 村集体自筹、上级补助
    decision = peewee.CharField(max_length=200, default="")  # the decision that approved it (四议两公开)
    procedure = peewee.CharField(max_length=16)  # quotes | invited | open, chosen from the budget
    tender_description = peewee.TextField(default="")  # the tender notice's text
    tender_start = peewee.DateTimeField(null=True)  # naive UTC: the notice published, submissions open
    tender_deadline = peewee.DateTimeField(null=True)  # naive UTC: submissions close
    publication_id = peewee.IntegerField(null=True)  # the tender notice (portal.publications)
    meeting_id = peewee.IntegerField(null=True)  # the 开标会 broadcast (portal.meetings)
    opened_at = peewee.DateTimeField(null=True)  # naive UTC: the opening began
    evaluated_at = peewee.DateTimeField(null=True)  # naive UTC
    award_bid = peewee.IntegerField(null=True)  # the winning Bid's id
    award_amount = peewee.DecimalField(null=True, **MONEY)  # 中标金额
    award_reason = peewee.TextField(default="")  # required when the lowest valid bid did not win
    awarded_at = peewee.DateTimeField(null=True)  # naive UTC
    contract_amount = peewee.DecimalField(null=True, **MONEY)  # as signed
    contract_value = peewee.DecimalField(null=True, **MONEY)  # after amendments (= amount when none)
    contract_signed_on = peewee.DateField(null=True)
    accepted_on = peewee.DateField(null=True)  # 验收 date
    paid_total = peewee.DecimalField(default=0, **MONEY)  # sum of payments
    release_seq = peewee.IntegerField(default=0)  # releases written so far (numbers the next one)
    # Kept by the steps for the county-scale red flags (one indexed column instead of a scan):
    bidder_key = peewee.CharField(max_length=16, default="", index=True)  # digest of the set of bidders
    winner_key = peewee.CharField(max_length=80, default="", index=True)  # the winner's credit code, else name
    # (second-lowest other bid − winning bid) / winning bid; indexed so the outlier fences' mark (count and
    # sum of the county's gaps, read after every change) reads the index, not every process row
    bid_gap = peewee.FloatField(null=True, index=True)


class Bid(BaseModel):
    """A sealed bid, recorded at the opening; its price read out live against it."""
    project = peewee.ForeignKeyField(Project, backref="bids", on_delete="CASCADE")
    bidder = peewee.CharField(max_length=80)  # company name (public)
    credit_code = peewee.CharField(max_length=18, default="", index=True)  # 统一社会信用代码 (public for companies)
    contact = peewee.CharField(max_length=40, default="")  # contact phone: never public, used by the flags
    amount = peewee.DecimalField(**MONEY)  # 报价
    received_at = peewee.DateTimeField()  # naive UTC: when the sealed bid was received
    late = peewee.BooleanField(default=False)  # received after the deadline: recorded, flagged, not refused
    status = peewee.CharField(max_length=16, default="pending")  # OCDS bidStatus: pending | valid | disqualified
    reason = peewee.CharField(max_length=200, default="")  # why disqualified
    live_seq = peewee.IntegerField(null=True)  # the meeting item that read its price out
    audit_index = peewee.IntegerField(null=True)  # the step that recorded it
    created_at = peewee.DateTimeField(default=utcnow)


class Amendment(BaseModel):
    """A change of the contract's value, with its reason."""
    project = peewee.ForeignKeyField(Project, backref="amendments", on_delete="CASCADE")
    amount = peewee.DecimalField(**MONEY)  # the contract value after this amendment
    previous = peewee.DecimalField(**MONEY)  # the value before it
    reason = peewee.CharField(max_length=300)
    amended_on = peewee.DateField()
    audit_index = peewee.IntegerField(null=True)


class Milestone(BaseModel):
    """A stage of the works (进度) or the acceptance (验收)."""
    project = peewee.ForeignKeyField(Project, backref="milestones", on_delete="CASCADE")
    kind = peewee.CharField(max_length=12)  # progress | acceptance
    title = peewee.CharField(max_length=120)
    done_on = peewee.DateField()
    audit_index = peewee.IntegerField(null=True)


class Payment(BaseModel):
    """A payment to the contractor, linked to the three-capitals ledger entry where that exists."""
    project = peewee.ForeignKeyField(Project, backref="payments", on_delete="CASCADE")
    amount = peewee.DecimalField(**MONEY)
    paid_on = peewee.DateField()
    ledger_entry = peewee.IntegerField(null=True)  # the ledger entry's id (ledger domain), when given and known
    audit_index = peewee.IntegerField(null=True)


class Release(BaseModel):
    """The OCDS release a public step produced, frozen as published (the bulk files read these)."""
    project = peewee.ForeignKeyField(Project, backref="releases", on_delete="CASCADE")
    village = peewee.ForeignKeyField(Unit, backref="+", column_name="village_code", object_id_name="village_id", index=True)
    release_id = peewee.CharField(max_length=100, unique=True)  # "<ocid>-<seq>-<tag>", unique with the ocid
    tag = peewee.CharField(max_length=24)  # the OCDS releaseTag
    date = peewee.DateTimeField()  # naive UTC
    data = peewee.TextField()  # the release JSON
    audit_index = peewee.IntegerField(null=True)  # the audit entry of the step


MODELS = [Project, Bid, Amendment, Milestone, Payment, Release]
