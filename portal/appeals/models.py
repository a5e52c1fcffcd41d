"""The appeal and what hangs off it: the public timeline, photos, ratings, receipt failures.

Personal data of the filer (account, name, phone, exact place) lives only in
columns no public view reads; the public text is masked on the way out.
"""
import peewee

from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.db import BaseModel
from portal.core.records import RecordModel
from portal.units.models import Unit


class Appeal(RecordModel):
    village = peewee.ForeignKeyField(Unit, backref="+", column_name="village_code", object_id_name="village_id")  # where it happened
    grid = peewee.ForeignKeyField(Unit, null=True, backref="+", column_name="grid_code", object_id_name="grid_id")  # the grid, if known
    # the unit responsible now (moves on dispatch and escalation); indexed with the state, not alone (Meta)
    holder = peewee.ForeignKeyField(Unit, backref="+", column_name="holder_code", object_id_name="holder_id",
                                    index=False)
    department = peewee.CharField(max_length=64, default="")  # the department at the holder named on dispatch (e.g. 镇城建办)
    category = peewee.CharField(max_length=20)  # a key of portal.appeals.limits.CATEGORIES
    urgent = peewee.BooleanField(default=False)  # filed as urgent: the short time limit applies
    text = peewee.TextField()  # as typed; masked in every public view
    place = peewee.CharField(max_length=120, default="")  # exact place as typed: staff only, never public
    filer = peewee.ForeignKeyField(User, null=True, backref="+")  # the signed-in filer; None: anonymous or 代办
    agent = peewee.ForeignKeyField(User, null=True, backref="+")  # the grid worker who filed it for a resident (代办)
    contact_name = peewee.CharField(max_length=32, default="")  # the resident's name given to the agent: staff only
    contact_phone = peewee.CharField(max_length=20, default="")  # the resident's phone: staff only
    receipt_hash = peewee.CharField(max_length=64, null=True, index=True)  # HMAC of the receipt code (anonymous/代办)
    idem_key = peewee.CharField(max_length=64, null=True, unique=True)  # HMAC of the client's idempotency key
    # no index of its own: every query on due_at has a state too, and (state, due_at) or (state, village,
    # due_at, accepted_at) answers it; each escalation of the sweep rewrites each index holding due_at
    due_at = peewee.DateTimeField()  # naive UTC deadline of the current stage
    paused_at = peewee.DateTimeField(null=True)  # waiting for the filer since (the clock stands still)
    accepted_at = peewee.DateTimeField(null=True)  # 受理 time; None: never accepted
    first_reply_at = peewee.DateTimeField(null=True)  # the first 答复 (for hours to reply)
    replied_at = peewee.DateTimeField(null=True)  # the latest 答复
    closed_at = peewee.DateTimeField(null=True)  # when it reached fixed / closed_unfixed (latest)
    outcome = peewee.CharField(max_length=10, default="")  # "fixed" | "unfixed": what the latest reply says
    reply = peewee.TextField(default="")  # the latest reply (public, masked)
    reason = peewee.TextField(default="")  # why rejected / where to go / why escalated (public, masked)
    replied_by = peewee.ForeignKeyField(User, null=True, backref="+")  # the handler who gave the latest reply
    duplicate_of = peewee.ForeignKeyField("self", null=True, backref="duplicates")  # the original, for 重复
    reopen_count = peewee.IntegerField(default=0)  # reopened by 不满意 or by staff
    escalations = peewee.IntegerField(default=0)  # times it moved up the tree (吹哨)
    awaiting_rating = peewee.BooleanField(default=False)  # the latest reply may still be rated (once)

    class Meta:
        # (state, village, due_at, accepted_at): the open appeals past their limit of a few villages, read
        # on every statistics page, from the index alone (IN × IN seeks, not a scan of the villages' rows)
        # (state, holder): the appeals a unit holds in a state. Not the holder alone: no query asks for every
        # appeal a unit ever held, and an escalation moving an appeal from its village to the township rewrote
        # that index's entries all over it (5,300 of the 34,000 pages a year's sweep wrote at 1M appeals);
        # by state, the open appeals' entries sit together.
        indexes = ((("village", "created_at"), False), (("state", "due_at"), False),
                   (("state", "village", "due_at", "accepted_at"), False), (("state", "holder"), False))


class AppealStep(BaseModel):
    """One line of the public timeline: the state reached, when, by which unit, and the public note."""
    appeal = peewee.ForeignKeyField(Appeal, backref="steps", on_delete="CASCADE")
    action = peewee.CharField(max_length=24)  # the transition taken ("accept", "escalate" …)
    state = peewee.CharField(max_length=24)  # the state it left the appeal in
    unit = peewee.ForeignKeyField(Unit, null=True, backref="+")  # the unit acting (never a person's name)
    department = peewee.CharField(max_length=64, default="")  # the department reporting (报到) or dispatched to
    note = peewee.TextField(default="")  # reply / reason as typed; masked when shown
    at = peewee.DateTimeField(default=utcnow)  # naive UTC
    audit_index = peewee.IntegerField(null=True)  # the audit entry of this step


class AppealPhoto(BaseModel):
    """A photo re-encoded from its pixels (no EXIF, no GPS): of the problem or of the result."""
    appeal = peewee.ForeignKeyField(Appeal, backref="photos", on_delete="CASCADE")
    kind = peewee.CharField(max_length=8)  # "filing" | "result"
    data = peewee.BlobField()  # the public JPEG
    sha256 = peewee.CharField(max_length=64)  # of the uploaded original (the audit entry vouches for it)
    at = peewee.DateTimeField(default=utcnow)


class AppealRating(BaseModel):
    """Every rating counts, an unsatisfied one too, even after a later reply is rated well."""
    appeal = peewee.ForeignKeyField(Appeal, backref="ratings", on_delete="CASCADE")
    satisfied = peewee.CharField(max_length=12)  # "satisfied" | "basic" | "unsatisfied"
    comment = peewee.TextField(default="")  # public, masked
    at = peewee.DateTimeField(default=utcnow, index=True)


class ReceiptFailure(BaseModel):
    """A wrong receipt code tried from an address (rate limit)."""
    key = peewee.CharField(max_length=80, index=True)  # "addr:IP"
    at = peewee.DateTimeField(default=utcnow, index=True)





class AppealTally(BaseModel):
    """Counters of the appeals filed in one unit (village, township, county) on one China day,
    kept current by every step."""
    unit = peewee.CharField(max_length=12)  # village, township or county code
    day = peewee.DateField()  # the China day the appeals were filed
    received = peewee.IntegerField(default=0)  # filed
    accepted = peewee.IntegerField(default=0)  # accepted (受理) and not since ruled out
    not_accepted = peewee.IntegerField(default=0)  # rejected, duplicate, not ours
    fixed = peewee.IntegerField(default=0)  # in state fixed now
    closed_unfixed = peewee.IntegerField(default=0)  # in state closed_unfixed now
    replied = peewee.IntegerField(default=0)  # accepted and replied at least once
    satisfied = peewee.IntegerField(default=0)  # ratings 满意 given (every one counts)
    basic = peewee.IntegerField(default=0)  # ratings 基本满意
    unsatisfied = peewee.IntegerField(default=0)  # ratings 不满意
    rated_appeals = peewee.IntegerField(default=0)  # appeals rated at least once

    class Meta:
        indexes = ((("unit", "day"), True),)


class AppealHours(BaseModel):
    """How many appeals of a unit and month took ``bucket`` whole hours to first reply or to close."""
    unit = peewee.CharField(max_length=12)  # village, township or county code
    day = peewee.DateField()  # the first day of the month they were filed
    kind = peewee.CharField(max_length=6)  # "reply" | "close"
    bucket = peewee.IntegerField()  # whole hours from filing
    count = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("unit", "day", "kind", "bucket"), True),)
MODELS = [Appeal, AppealStep, AppealPhoto, AppealRating, ReceiptFailure, AppealTally, AppealHours]
