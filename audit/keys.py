"""Checkpoint signing keys: created on first use, private half encrypted at rest.

The encrypted PKCS#8 lives in the database so every server process of a
county signs with the same key; the passphrase comes from whoever runs the log
(the portal: ``AUDIT_KEY_PASSPHRASE`` or an owner-only key file). Rotation is
itself a log entry carrying the new verifier key and the old key's signature
over the hand-over statement, so a verifier can follow the chain of keys.
"""
import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit import log, notes
from audit.db import database
from audit.models import AuditKey, utcnow

ROTATE_ACTION = "audit.key_rotate"


class Signer:
    """An unlocked signing key: its row and its private key."""

    def __init__(self, row, private_key):
        self.row = row
        self.private_key = private_key

    @property
    def name(self):
        return self.row.name

    @property
    def public_key(self):
        return bytes(self.row.public_key)

    @property
    def vkey(self):
        return notes.vkey(self.name, self.public_key)

    def sign_note(self, body):
        return notes.sign_note(body, self.name, self.private_key)


def _store(name, private_key, passphrase, announced_index=None):
    public = private_key.public_key().public_bytes_raw()
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.BestAvailableEncryption(passphrase))
    return AuditKey.create(name=name, key_id=notes.key_id(name, public).hex(), public_key=public,
                           private_pem=pem.decode("ascii"), announced_index=announced_index)


def _unlock(row, passphrase):
    key = serialization.load_pem_private_key(row.private_pem.encode("ascii"), password=passphrase)
    if not isinstance(key, Ed25519PrivateKey) or key.public_key().public_bytes_raw() != bytes(row.public_key):
        raise ValueError("stored audit key does not match its public half")
    return Signer(row, key)


def _active_row():
    return AuditKey.select().where(AuditKey.retired_at.is_null()).order_by(AuditKey.id.desc()).first()


def active_signer(name, passphrase):
    """The current signing key, created (under the append lock) if the log has none yet.

    The lock is the transaction's first statement: on SQLite a transaction that
    read first and then writes cannot wait for a busy writer (WAL refuses the
    upgrade at once with "database is locked"), one that writes first can.
    """
    row = _active_row()
    if row is None:
        with database.atomic():
            log._lock_head()
            row = _active_row() or _store(name, Ed25519PrivateKey.generate(), passphrase)
    return _unlock(row, passphrase)


def rotation_statement(old_vkey, new_vkey):
    return f"audit key rotation\nold {old_vkey}\nnew {new_vkey}\n"


def rotate(passphrase, name=None, actor=None):
    """Replace the signing key; the hand-over is a log entry signed by the old key."""
    with database.atomic():
        log._lock_head()  # write first (see active_signer)
        old = active_signer(name or "audit", passphrase)
        new_key = Ed25519PrivateKey.generate()
        new_name = name or old.name
        new_vkey = notes.vkey(new_name, new_key.public_key().public_bytes_raw())
        statement = rotation_statement(old.vkey, new_vkey)
        signature = base64.b64encode(old.private_key.sign(statement.encode("utf-8"))).decode()
        entry = log.append(actor, ROTATE_ACTION, "audit_key", new_vkey.split("+")[1],
                           {"old": old.vkey, "new": new_vkey, "signature": signature})
        AuditKey.update(retired_at=utcnow()).where(AuditKey.id == old.row.id).execute()
        row = _store(new_name, new_key, passphrase, announced_index=entry.index)
    return Signer(row, new_key)


def check_rotation(payload):
    """The new verifier key of a rotation payload whose signature by the old key holds."""
    _, old_public = notes.parse_vkey(payload["old"])
    notes.parse_vkey(payload["new"])
    statement = rotation_statement(payload["old"], payload["new"]).encode("utf-8")
    Ed25519PublicKey.from_public_bytes(old_public).verify(base64.b64decode(payload["signature"]), statement)
    return payload["new"]
