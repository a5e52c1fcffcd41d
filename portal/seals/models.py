"""The seal register (公章登记), custody handovers (移交) and the use log (用印登记).

A seal and each of its uses are record types (``portal.seals.services``): every
change goes through ``portal.core.records`` and is one audit entry. Names of
keepers and approvers are public, as on a village notice board; applicants are
shown by surname only (``portal.seals.naming``).
"""
import peewee

from portal.core.clock import local_text, utcnow
from portal.core.db import BaseModel
from portal.core.records import RecordModel
from portal.seals.vocab import LATE_AFTER_DAYS, MATTERS
from portal.units.models import Unit


class Seal(RecordModel):
    """One physical seal of a village; ``state`` is in_use / suspended / lost / destroyed."""
    village = peewee.ForeignKeyField(Unit, backref="+", column_name="village_code", object_id_name="village_id")
    name = peewee.CharField(max_length=80)  # the text on the seal, e.g. 后溪村民委员会
    kind = peewee.CharField(max_length=20)  # one of SEAL_KINDS
    keeper = peewee.CharField(max_length=32)  # 保管人 now (public, as on the notice board)
    approver = peewee.CharField(max_length=32)  # 审批人: who authorises each use; never the keeper
    registered_on = peewee.DateField()  # China date the seal entered the register
    status_on = peewee.DateField(null=True)  # China date of the latest status change (suspend, loss, destruction)
    status_reason = peewee.CharField(max_length=200, default="")  # why the status changed, masked when public


class SealHandover(BaseModel):
    """A custody handover (印章移交): who gave the seal, who took it, who witnessed, its impression."""
    seal = peewee.ForeignKeyField(Seal, backref="handovers")
    handed_on = peewee.DateField()  # China date of the handover
    from_keeper = peewee.CharField(max_length=32)  # 移交人
    to_keeper = peewee.CharField(max_length=32)  # 接交人, the new keeper
    witness = peewee.CharField(max_length=32)  # 监交人
    impression = peewee.BlobField(null=True)  # the impression (印模) re-encoded as JPEG without EXIF (core.files)
    impression_sha256 = peewee.CharField(max_length=64, default="")  # SHA-256 of the uploaded original
    audit_index = peewee.IntegerField(null=True)  # the seal's audit entry that recorded this handover
    created_at = peewee.DateTimeField(default=utcnow)  # naive UTC


class SealUse(RecordModel):
    """One use of a seal (用印), recorded by the clerk at the time; ``state`` is out (the seal left the
    office and has not come back) or recorded."""
    seal = peewee.ForeignKeyField(Seal, backref="uses")
    village = peewee.ForeignKeyField(Unit, backref="+", column_name="village_code",
                                     object_id_name="village_id")  # the seal's village, kept for fast lists
    used_on = peewee.DateField()  # China date the seal was applied
    month = peewee.CharField(max_length=7)  # "2026-03" of used_on: the unit of the usual-rate comparison
    days_late = peewee.IntegerField(default=0)  # days between the use and its record (China dates)
    purpose = peewee.CharField(max_length=200)  # 用印事由
    document = peewee.CharField(max_length=200)  # title of the stamped document
    copies = peewee.IntegerField()  # how many copies were stamped (> 0)
    applicant = peewee.CharField(max_length=32)  # 申请人 (shown by surname only)
    approver = peewee.CharField(max_length=32, default="")  # 审批人; blank: used without approval (flagged)
    handler = peewee.CharField(max_length=32, default="")  # 经办人
    keeper = peewee.CharField(max_length=32)  # the seal's keeper at the time of use
    seal_state = peewee.CharField(max_length=24)  # the seal's state at the time of use
    matter = peewee.CharField(max_length=20, default="routine")  # one of MATTERS
    needs_vote = peewee.BooleanField(default=False)  # the matter needs a 村民(代表)会议 decision first
    decision_type = peewee.CharField(max_length=16, default="")  # "publication" | "meeting" | ""
    decision_id = peewee.IntegerField(null=True)  # that record's id
    decision_title = peewee.CharField(max_length=200, default="")  # its public title when linked
    certificate = peewee.CharField(max_length=32, default="")  # 证明事项 code from the list, or "" (not a certificate)
    certificate_name = peewee.CharField(max_length=60, default="")  # its name (or what the clerk typed)
    certificate_kind = peewee.CharField(max_length=16, default="")  # may_issue | commitment | must_not | unlisted
    left_office = peewee.BooleanField(default=False)  # 外带: the seal left the office for this use
    out_at = peewee.DateTimeField(null=True)  # naive UTC the seal left
    returned_at = peewee.DateTimeField(null=True)  # naive UTC it came back (None while out)
    client_key = peewee.CharField(max_length=64, null=True)  # the client's Idempotency-Key: a retried POST records once

    class Meta:
        indexes = ((("village", "used_on"), False), (("seal", "used_on"), False), (("village", "month"), False),
                   (("village", "client_key"), True))

    # Read-only texts for the record page (portal.core.records shows public fields by name).
    @property
    def seal_name(self):
        return self.seal.name

    @property
    def matter_name(self):
        return MATTERS.get(self.matter, self.matter)

    @property
    def taken_out(self):
        """``2026-11-21 09:00 带出 · 2026-11-23 16:00 归还`` (or 尚未归还); blank when it stayed in the office."""
        if not self.left_office:
            return ""
        back = f"{local_text(self.returned_at)} 归还" if self.returned_at else "尚未归还"
        return f"{local_text(self.out_at)} 带出 · {back}"


# Partial indexes holding only the uses a red-flag rule's pre-filter selects (portal.seals.flags): a
# rebuild over a county's 500,000 uses reads a few thousand index entries per rule, not the table.
U = SealUse
for _name, _where in (
        ("seal_use_keeper_approved", (U.approver == U.keeper) & (U.approver != "")),
        ("seal_use_no_approval", U.approver == ""),
        ("seal_use_self_approved", (U.approver == U.applicant) & (U.approver != "")),
        ("seal_use_certificates", U.certificate_name != ""),
        ("seal_use_vote_missing", (U.needs_vote == True) & (U.decision_type == "")),  # noqa: E712
        ("seal_use_left_office", U.left_office == True),  # noqa: E712
        ("seal_use_bad_seal_state", U.seal_state != "in_use"),  # suspended or lost: destroyed seals are never used
        ("seal_use_recorded_late", U.days_late > LATE_AFTER_DAYS)):
    U.add_index(U.index(U.id, name=_name, where=_where))


class CountyCertificate(BaseModel):
    """A county's own entry in the 证明事项清单, added to (or overriding by code) the national list."""
    county = peewee.ForeignKeyField(Unit, backref="+", column_name="county_code", object_id_name="county_id")
    code = peewee.CharField(max_length=32)  # e.g. QY-residence; same code as a national entry overrides it
    name = peewee.CharField(max_length=60)  # e.g. 居住情况证明
    kind = peewee.CharField(max_length=16)  # may_issue | commitment | must_not
    alternative = peewee.CharField(max_length=300, default="")  # what a resident can do instead (您可以……)
    basis = peewee.CharField(max_length=200, default="")  # the county document it rests on
    sort_order = peewee.IntegerField(default=100)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("county", "code"), True),)


MODELS = [Seal, SealHandover, SealUse, CountyCertificate]
