"""Tables of the audit log.

The tree needs no table of its own: the entry at index i also stores the
perfect-subtree hashes its leaf completed (levels 1, 2, … ending at leaf i), so
node (level L, index j) lives in entry ``(j + 1) * 2**L - 1``. A proof reads
O(log n) entry rows by primary key and verification streams one table.
"""
import datetime

import peewee

from audit.db import database


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


class AuditModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class AuditEntry(AuditModel):
    idx = peewee.BigIntegerField(primary_key=True)  # 0-based sequence number (`index`)
    entry = peewee.BlobField()  # canonical JSON bytes: the RFC 6962 leaf data
    leaf = peewee.BlobField(column_name="leaf_hash")  # SHA-256(0x00 || entry)
    nodes = peewee.BlobField(default=b"")  # hashes of the perfect subtrees this leaf completed, level 1 up
    payload = peewee.TextField()  # canonical JSON of what changed (its SHA-256 is in the entry)
    action = peewee.CharField(max_length=64)  # e.g. publication.publish
    object_type = peewee.CharField(max_length=40)  # e.g. publication
    object_id = peewee.CharField(max_length=64)  # the object's id as a string
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("object_type", "object_id"), False),)

    @property
    def index(self):
        return self.idx

    @property
    def leaf_hash(self):
        """Hex of the leaf hash (the form the API and pages show)."""
        return bytes(self.leaf).hex()


class AuditHead(AuditModel):
    """One row: the log's size and right edge; its row lock serialises appends."""
    id = peewee.IntegerField(primary_key=True)  # always 1
    size = peewee.BigIntegerField(default=0)  # number of entries
    frontier = peewee.BlobField(default=b"")  # compact range of the tree of `size` leaves
    last_leaf = peewee.BlobField(default=b"")  # leaf hash of entry size-1 (the chain)


class AuditKey(AuditModel):
    """An Ed25519 checkpoint signing key; the private half encrypted (PKCS#8, passphrase)."""
    name = peewee.CharField(max_length=120)  # signed-note key name (the log's origin)
    key_id = peewee.CharField(max_length=8)  # hex of the 4-byte signed-note key ID
    public_key = peewee.BlobField()  # raw 32 bytes
    private_pem = peewee.TextField()  # encrypted PKCS#8 PEM
    created_at = peewee.DateTimeField(default=utcnow)
    retired_at = peewee.DateTimeField(null=True)  # set when rotated away
    announced_index = peewee.BigIntegerField(null=True)  # log entry announcing it (None: first key)


class AuditCheckpoint(AuditModel):
    """A signed checkpoint, kept forever so anyone can ask for consistency with it."""
    size = peewee.BigIntegerField(index=True)  # tree size it commits to
    root = peewee.BlobField()  # RFC 6962 root hash of that size
    note = peewee.TextField()  # the C2SP signed note text
    key = peewee.ForeignKeyField(AuditKey, backref="checkpoints")
    created_at = peewee.DateTimeField(default=utcnow)


class AuditRedaction(AuditModel):
    """An entry whose bytes are withheld from the public: a later redaction entry names it.

    Written in the redaction entry's transaction (``audit.redaction.append``); the log
    itself is the authority (``verify`` checks every entry a redaction names is here).
    """
    idx = peewee.BigIntegerField(primary_key=True)  # the withheld entry's index
    by_index = peewee.BigIntegerField(index=True)  # the (latest) redaction entry naming it


MODELS = [AuditEntry, AuditHead, AuditKey, AuditCheckpoint, AuditRedaction]
