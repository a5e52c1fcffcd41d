"""Check a whole log: every leaf, the chain, the tree, every checkpoint, every payload.

Streams entries in primary-key order in batches and rebuilds the tree with a
compact range (O(log n) memory), comparing as it goes with the stored leaf and
node hashes, the roots of every signed (and every saved) checkpoint, the
previous-entry hash, and — through the registered sources — the payload
re-derived from today's records. Stops at the first problem: ``VerifyError``
names the index and what is wrong.
"""
import hashlib
import json
from dataclasses import dataclass

from audit import keys, merkle, notes, sources
from audit.encoding import canonical_json
from audit.log import GENESIS_PREV

BATCH = 5000


class VerifyError(Exception):
    def __init__(self, index, message):
        super().__init__(f"index {index}: {message}" if index is not None else message)
        self.index = index
        self.message = message


@dataclass
class SourceEntry:
    """What a source function is given: the entry's fields and its stored payload."""
    index: int
    action: str
    object_type: str
    object_id: str
    payload: object
    fields: dict


@dataclass
class SavedCheckpoint:
    size: int
    root: bytes
    label: str


def load_saved(note, vkey):
    """A checkpoint note someone saved, checked against the verifier key they trust."""
    name, public = notes.parse_vkey(vkey)
    _, size, root = notes.verify_checkpoint(note, name, public)
    return SavedCheckpoint(size, root, "saved checkpoint")


class TreeChecker:
    """Rebuilds leaves, chain and tree from a stream of entries; shared by DB and API checks."""

    def __init__(self, targets):
        self.range = merkle.CompactRange()
        self.prev = GENESIS_PREV
        self.targets = targets  # size -> list of (label, root)
        self.keys = []  # verifier keys announced in the log, in order

    def add(self, index, data, stored_leaf=None, stored_nodes=None):
        if index != self.range.size:
            raise VerifyError(self.range.size, f"entry missing (next stored entry is {index})")
        sha = hashlib.sha256(b"\x00" + data)
        leaf = sha.digest()
        if stored_leaf is not None and leaf != stored_leaf:
            raise VerifyError(index, "stored leaf hash does not match the entry bytes")
        try:
            fields = json.loads(data)
        except ValueError:
            raise VerifyError(index, "entry is not JSON") from None
        if not isinstance(fields, dict) or canonical_json(fields) != data:
            raise VerifyError(index, "entry is not in canonical form")
        if fields.get("index") != index:
            raise VerifyError(index, f"entry claims index {fields.get('index')}")
        if fields.get("prev") != self.prev:
            raise VerifyError(index, "previous-entry hash does not match the entry before it "
                                     "(this entry or the one before was changed)")
        made = self.range.append(leaf)
        if stored_nodes is not None and b"".join(made) != stored_nodes:
            raise VerifyError(index, "stored tree node hashes are wrong")
        self.prev = sha.hexdigest()
        for label, root in self.targets.get(index + 1, ()):
            if self.range.root() != root:
                raise VerifyError(index, f"{label} of size {index + 1} has a different root: "
                                         "the log was rewritten at or before this index")
        return fields

    def finish(self, claimed_size):
        size = self.range.size
        if claimed_size != size:
            raise VerifyError(size, f"log claims {claimed_size} entries but {size} are present")
        beyond = [s for s in self.targets if s > size]
        if beyond:
            raise VerifyError(size, f"a checkpoint of size {max(beyond)} covers entries that are gone "
                                    "(tail cut or an older copy restored)")
        return size


def check_payload(index, fields, action, object_type, object_id, payload_text):
    if (fields.get("action"), fields.get("object_type"), fields.get("object_id")) != (action, object_type, object_id):
        raise VerifyError(index, "stored action/object columns differ from the entry")
    if hashlib.sha256(payload_text.encode("utf-8")).hexdigest() != fields.get("payload_sha256"):
        raise VerifyError(index, "stored payload does not match the entry's payload hash")
    payload = json.loads(payload_text)
    fn = sources.get(object_type)
    if fn is None:
        return payload
    entry = SourceEntry(index, action, object_type, object_id, payload, fields)
    try:
        derived = fn(entry)
    except LookupError:
        raise VerifyError(index, f"the {object_type} {object_id} this entry records is gone") from None
    if derived is not None and hashlib.sha256(canonical_json(derived)).hexdigest() != fields["payload_sha256"]:
        raise VerifyError(index, f"{object_type} {object_id} as stored today differs from what was logged")
    return payload


def check_checkpoint_signatures(checkpoints, key_rows):
    """Every stored checkpoint verifies under its key and says what its row says."""
    for cp in checkpoints:
        key = key_rows.get(cp.key_id)
        if key is None:
            raise VerifyError(None, f"checkpoint {cp.id} names an unknown key")
        try:
            _, size, root = notes.verify_checkpoint(cp.note, key.name, bytes(key.public_key))
        except notes.NoteError as exc:
            raise VerifyError(cp.size - 1 if cp.size else None, f"checkpoint {cp.id}: {exc}") from None
        if (size, root) != (cp.size, bytes(cp.root)):
            raise VerifyError(None, f"checkpoint {cp.id} row differs from its signed note")


def verify_database(progress=True, saved=()):
    """Verify the log behind ``audit.db.database``; returns the number of entries checked."""
    from tqdm import tqdm
    from audit.db import database
    from audit.models import AuditCheckpoint, AuditEntry, AuditHead, AuditKey

    key_rows = {k.id: k for k in AuditKey.select()}
    checkpoints = list(AuditCheckpoint.select().order_by(AuditCheckpoint.size))
    check_checkpoint_signatures(checkpoints, key_rows)
    targets = {}
    for cp in checkpoints:
        targets.setdefault(cp.size, []).append((f"signed checkpoint {cp.id}", bytes(cp.root)))
    for s in saved:
        targets.setdefault(s.size, []).append((s.label, s.root))
    announced = {k.announced_index: k for k in key_rows.values() if k.announced_index is not None}
    first_keys = [k for k in key_rows.values() if k.announced_index is None]
    if len(first_keys) > 1:
        raise VerifyError(None, "more than one signing key was never announced in the log")
    key_first_use = {}
    for cp in checkpoints:
        key_first_use.setdefault(cp.key_id, cp.size)

    head = AuditHead.get_or_none(AuditHead.id == 1)
    claimed = head.size if head else 0
    checker = TreeChecker(targets)
    bar = tqdm(total=claimed, unit="entry", disable=not progress, mininterval=0.5)
    columns = (AuditEntry.idx, AuditEntry.entry, AuditEntry.leaf, AuditEntry.nodes, AuditEntry.action,
               AuditEntry.object_type, AuditEntry.object_id, AuditEntry.payload)
    last = -1
    while True:
        rows = database.execute(AuditEntry.select(*columns).where(AuditEntry.idx > last)
                                .order_by(AuditEntry.idx).limit(BATCH)).fetchall()
        if not rows:
            break
        for idx, data, leaf, nodes, action, object_type, object_id, payload in rows:
            fields = checker.add(idx, bytes(data), bytes(leaf), bytes(nodes))
            payload = check_payload(idx, fields, action, object_type, object_id, payload)
            if idx in announced:
                _check_announcement(idx, fields, payload, announced[idx])
        last = rows[-1][0]
        bar.update(len(rows))
    bar.close()
    for key_id, size in key_first_use.items():
        key = key_rows[key_id]
        if key.announced_index is not None and key.announced_index >= size:
            raise VerifyError(key.announced_index, "a key signed checkpoints before it was announced")
    return checker.finish(claimed)


def _check_announcement(idx, fields, payload, key):
    if fields.get("action") != keys.ROTATE_ACTION:
        raise VerifyError(idx, "signing key claims an announcement that is not a key rotation")
    try:
        new = keys.check_rotation(payload)
    except Exception as exc:
        raise VerifyError(idx, f"key rotation is not signed by the previous key: {exc}") from None
    if new != notes.vkey(key.name, bytes(key.public_key)):
        raise VerifyError(idx, "key rotation announces a different key than the one in use")
