"""Tables of reports (我要举报): ciphertext, wrapped keys and metadata — never plaintext.

No column holds an address, a user agent or a time finer than the hour for
anything a reporter did: times of filing and of additions are truncated to the
hour (``hour_of``). Inspectors' acts carry their exact time in the audit log.
"""

import peewee

from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.db import BaseModel
from portal.units.models import Unit

STATUSES = {"new": "待处理", "handling": "处理中", "closed": "已办结"}


def hour_of(moment=None):
    """``moment`` (naive UTC, default now) truncated to the hour: the finest time kept for reporters."""
    return (moment or utcnow()).replace(minute=0, second=0, microsecond=0)


class ReportSettings(BaseModel):
    """One row: the site salt of receipts, their KDF parameters and the county's retention period."""
    id = peewee.IntegerField(primary_key=True)  # always 1
    site_salt = peewee.BlobField()  # 16 random bytes mixed into every receipt's Argon2id
    receipt_kdf = peewee.TextField()  # JSON of the Argon2id parameters receipts are stretched with
    retention_days = peewee.IntegerField(default=730)  # days a closed report is kept (2 years)
    warn_days = peewee.IntegerField(default=30)  # days before deletion that inspectors are warned


class InspectorKey(BaseModel):
    """An inspector's X25519 key pair; the private half encrypted under their passphrase."""
    user = peewee.ForeignKeyField(User, unique=True, backref="+", on_delete="CASCADE")  # the inspector
    public_key = peewee.BlobField()  # raw 32 bytes: reports in scope are wrapped to it
    sealed_private = peewee.BlobField()  # nonce || ChaCha20-Poly1305(Argon2id(passphrase), private key)
    salt = peewee.BlobField()  # 16 random bytes for the passphrase's Argon2id
    kdf = peewee.TextField()  # JSON of the Argon2id parameters (the passphrase itself is never stored)
    created_at = peewee.DateTimeField(default=utcnow)  # naive UTC


class Report(BaseModel):
    """One report: ciphertext and what inspectors need to route it; the content only sealed."""
    unit = peewee.ForeignKeyField(Unit, backref="+", column_name="unit_code", object_id_name="unit_id")  # concerned
    status = peewee.CharField(max_length=12, default="new")  # one of STATUSES (indexed with id, below)
    lookup_id = peewee.BlobField(unique=True)  # HKDF(Argon2id(receipt, site salt), "lookup"): finds it by receipt
    public_key = peewee.BlobField()  # raw X25519: content, attachments, messages are sealed to it
    identity_public_key = peewee.BlobField()  # raw X25519 of the separate identity key pair
    content = peewee.BlobField()  # sealed JSON {"text", "attachments": [{"name", "mime", "size"}]}
    content_sha256 = peewee.CharField(max_length=64)  # SHA-256 of `content`: what the filing entry vouches for
    identity = peewee.BlobField(null=True)  # sealed to the identity key: {"name", "contact"}; None: anonymous
    filed_hour = peewee.DateTimeField(index=True)  # naive UTC, truncated to the hour
    audit_index = peewee.IntegerField(null=True)  # the filing entry; None until the hour's batch is sealed
    campaign_id = peewee.IntegerField(null=True)  # a 点题整治 campaign it joined (the follow-ups domain's id)
    followup_id = peewee.IntegerField(null=True)  # a 督办 opened from it (the follow-ups domain's id)
    closed_at = peewee.DateTimeField(null=True)  # naive UTC, when an inspector closed it
    expires_on = peewee.DateField(null=True)  # closed_at + retention: deleted on or after this day
    warned = peewee.BooleanField(default=False)  # inspectors were warned of the coming deletion

    class Meta:
        indexes = ((("status", "id"), False),)  # the inbox filtered by status, newest first

    @property
    def status_name(self):
        return STATUSES.get(self.status, self.status)


class ReportKeyWrap(BaseModel):
    """A report's private key sealed for one holder: an inspector (by their key) or the reporter."""
    report = peewee.ForeignKeyField(Report, backref="wraps", on_delete="CASCADE")
    holder = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="CASCADE")  # None: the reporter
    kind = peewee.CharField(max_length=10)  # "report" or "identity": which private key it holds
    blob = peewee.BlobField()  # sealed to the inspector's public key, or boxed under the receipt's key

    class Meta:
        indexes = ((("report", "holder", "kind"), True),)


class ReportAttachment(BaseModel):
    """One attached file, sealed whole to the report key (name and type inside the ciphertext)."""
    report = peewee.ForeignKeyField(Report, backref="attachments", on_delete="CASCADE")
    position = peewee.IntegerField()  # order in the report's list of attachments
    blob = peewee.BlobField()  # sealed bytes of the file


class ReportMessage(BaseModel):
    """Material the reporter added, or an inspector's reply or conclusion: sealed to the report key."""
    report = peewee.ForeignKeyField(Report, backref="messages", on_delete="CASCADE")
    author = peewee.CharField(max_length=10)  # "reporter", "inspector" or "conclusion"
    blob = peewee.BlobField()  # sealed JSON {"text"}
    blob_sha256 = peewee.CharField(max_length=64)  # what the audit entry of an addition vouches for
    hour = peewee.DateTimeField()  # naive UTC truncated to the hour (reporters' acts are never finer)
    audit_index = peewee.IntegerField(null=True)  # None until sealed (reporter's additions wait for the hour)


class IdentityReveal(BaseModel):
    """Two-person rule: an inspector asks to see the reporter's identity, another approves."""
    report = peewee.ForeignKeyField(Report, backref="+", on_delete="CASCADE")
    requester = peewee.ForeignKeyField(User, backref="+")  # who wants to see it
    reason = peewee.CharField(max_length=200)  # why (stays in the row, not in the public log)
    approver = peewee.ForeignKeyField(User, null=True, backref="+")  # the second inspector
    approver_share = peewee.BlobField(null=True)  # the approver's identity-key share, sealed to the requester
    created_at = peewee.DateTimeField(default=utcnow)


class ReceiptThrottle(BaseModel):
    """Wrong receipts counted per hour: per 4-digit prefix and in total (``key`` = "p:1234" / "all")."""
    key = peewee.CharField(max_length=12)
    hour = peewee.DateTimeField()  # naive UTC truncated to the hour
    count = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("key", "hour"), True),)


MODELS = [ReportSettings, InspectorKey, Report, ReportKeyWrap, ReportAttachment, ReportMessage,
          IdentityReveal, ReceiptThrottle]
