"""The reporter's proof that the report was filed: the filing entry's inclusion in a signed checkpoint.

It shows that, and in which hour, a ciphertext with this SHA-256 entered the
log, and nothing of what it says. It uses the ``audit`` library only.
"""
import base64

from audit import checkpoints, log
from audit.models import AuditEntry


def filing_proof(report):
    """{"audit_index", "ciphertext_sha256", "leaf", "leaf_hash", "size", "root", "proof", "checkpoint"} or None."""
    if report.audit_index is None:
        return None
    entry = AuditEntry.get_or_none(AuditEntry.idx == report.audit_index)
    latest = checkpoints.latest()
    out = {"audit_index": report.audit_index, "ciphertext_sha256": report.content_sha256,
           "leaf": base64.b64encode(bytes(entry.entry)).decode() if entry else None,
           "leaf_hash": entry.leaf_hash if entry else None, "checkpoint": None}
    if latest is not None and latest.size > report.audit_index:
        leaf, proof, root = log.inclusion_proof_with_root(report.audit_index, latest.size)
        out.update(size=latest.size, root=root.hex(), proof=[p.hex() for p in proof], checkpoint=latest.note)
    return out
