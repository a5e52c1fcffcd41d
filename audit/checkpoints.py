"""Issuing signed checkpoints, batched, never one that contradicts an earlier one."""
import datetime

from audit import log, merkle, notes
from audit.db import database
from audit.models import AuditCheckpoint


class InconsistentLog(RuntimeError):
    """The tree no longer extends a checkpoint the log signed: refuse to sign."""


def latest():
    return AuditCheckpoint.select().order_by(AuditCheckpoint.id.desc()).first()


def _age(checkpoint):
    created = checkpoint.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=datetime.timezone.utc)
    return (datetime.datetime.now(datetime.timezone.utc) - created).total_seconds()


def issue(signer, origin, min_interval=0.0):
    """The newest checkpoint, signing a new one if the log grew and ``min_interval`` s passed."""
    current = latest()
    if current is not None and (current.size == log.size() or _age(current) < min_interval):
        return current
    with database.atomic():
        head = log._lock_head()
        current = latest()
        if current is not None and current.size == head.size:
            return current
        root = merkle.CompactRange.from_bytes(head.size, bytes(head.frontier)).root()
        if log.root(head.size) != root:
            raise InconsistentLog(f"stored tree of size {head.size} disagrees with the log head")
        if current is not None and current.size:
            old_root, new_root, proof = log.consistency_proof(current.size, head.size)
            try:
                if old_root != bytes(current.root):
                    raise merkle.ProofError("stored tree no longer gives the signed root")
                merkle.verify_consistency(current.size, head.size, proof, bytes(current.root), root)
            except merkle.ProofError as exc:
                raise InconsistentLog(f"size {head.size} is not consistent with signed checkpoint "
                                      f"of size {current.size}: {exc}") from exc
        note = signer.sign_note(notes.checkpoint_body(origin, head.size, root))
        return AuditCheckpoint.create(size=head.size, root=root, note=note, key=signer.row.id)


def history(before_id=None, limit=100):
    query = AuditCheckpoint.select().order_by(AuditCheckpoint.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditCheckpoint.id < before_id)
    return list(query)
