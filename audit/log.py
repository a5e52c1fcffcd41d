"""Appending to the log and reading its tree: roots and proofs from stored hashes.

``append`` runs inside the caller's transaction. Its first statement bumps the
single head row, which takes the write lock (SQLite) or the row lock
(PostgreSQL) before anything is read, so concurrent appenders from any number
of processes queue up and produce one gapless sequence.
"""
import datetime

from audit import merkle
from audit.db import database
from audit.encoding import canonical_json, file_digest, sha256_hex
from audit.models import AuditEntry, AuditHead

GENESIS_PREV = "0" * 64
ENTRY_VERSION = 1


class LogRangeError(ValueError):
    """A size or index outside the log; ``code`` names it for API errors."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def entry_fields(index, time, actor, action, object_type, object_id, payload_sha256, files, prev):
    """The dict whose canonical JSON is an entry's leaf data (documented in docs/audit.md)."""
    return {"v": ENTRY_VERSION, "index": index, "time": time, "actor": actor, "action": action,
            "object_type": object_type, "object_id": object_id,
            "payload_sha256": payload_sha256, "files": list(files), "prev": prev}


def _sql(template):
    """Raw SQL for the hot path (peewee's query building costs more than the work itself)."""
    return template.replace("?", database.param)


def _lock_head():
    """Take the append lock and return (size, frontier, last leaf) of the head row (created on first use)."""
    if database.execute_sql(_sql("UPDATE audit_head SET size = size WHERE id = 1")).rowcount == 0:
        AuditHead.insert(id=1, size=0, frontier=b"", last_leaf=b"").on_conflict_ignore().execute()
        database.execute_sql(_sql("UPDATE audit_head SET size = size WHERE id = 1"))
    size, frontier, last = database.execute_sql(
        "SELECT size, frontier, last_leaf FROM audit_head WHERE id = 1").fetchone()
    return size, bytes(frontier), bytes(last)


def append(actor, action, object_type, object_id, payload, files=(), time=None):
    """Append one entry in the current transaction and return the AuditEntry.

    ``actor`` is a string (or None for the system); ``payload`` any canonical-JSON-able
    value; ``files`` attachments as (name, bytes), bytes or SHA-256 hex.
    """
    if not database.in_transaction():
        raise RuntimeError("audit.append must run inside the caller's transaction")
    payload_bytes = canonical_json(payload)
    digests = [file_digest(f) for f in files]
    when = (time or datetime.datetime.now(datetime.timezone.utc)).astimezone(datetime.timezone.utc)
    index, frontier_bytes, last_leaf = _lock_head()
    prev = last_leaf.hex() if index else GENESIS_PREV
    fields = entry_fields(index, when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), actor, action, object_type,
                          str(object_id), sha256_hex(payload_bytes), digests, prev)
    data = canonical_json(fields)
    leaf = merkle.leaf_hash(data)
    frontier = merkle.CompactRange.from_bytes(index, frontier_bytes)
    made = frontier.append(leaf)
    entry = AuditEntry(idx=index, entry=data, leaf=leaf, nodes=b"".join(made),
                       payload=payload_bytes.decode("utf-8"), action=action,
                       object_type=object_type, object_id=str(object_id), created_at=when.replace(microsecond=0))
    database.execute_sql(_sql(INSERT_ENTRY), (index, _blob(data), _blob(leaf), _blob(entry.nodes), entry.payload,
                                              action, object_type, entry.object_id, entry.created_at))
    database.execute_sql(_sql("UPDATE audit_head SET size = ?, frontier = ?, last_leaf = ? WHERE id = 1"),
                         (index + 1, _blob(frontier.to_bytes()), _blob(leaf)))
    return entry


INSERT_ENTRY = ("INSERT INTO audit_entry (idx, entry, leaf_hash, nodes, payload, action, object_type, object_id, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _blob(data):
    return AuditEntry.entry.db_value(data)


def size():
    row = database.execute_sql("SELECT size FROM audit_head WHERE id = 1").fetchone()
    return row[0] if row else 0


def _node_location(level, idx):
    """Entry index and byte offset in it of perfect-subtree node (level, idx)."""
    return ((idx + 1) << level) - 1, level


def fetch_nodes(pieces):
    """Hashes of perfect subtrees {(level, idx): bytes}, one query for all of them."""
    wanted = {p: _node_location(*p) for p in pieces}
    rows = {}
    indexes = sorted({loc[0] for loc in wanted.values()})
    for start in range(0, len(indexes), 500):
        chunk = indexes[start:start + 500]
        query = (AuditEntry.select(AuditEntry.idx, AuditEntry.leaf, AuditEntry.nodes)
                 .where(AuditEntry.idx.in_(chunk)).tuples())
        for idx, leaf, nodes in query:
            rows[idx] = (bytes(leaf), bytes(nodes))
    out = {}
    for piece, (entry_index, level) in wanted.items():
        leaf, nodes = rows[entry_index]
        out[piece] = leaf if level == 0 else nodes[(level - 1) * 32:level * 32]
    return out


def range_hashes(ranges):
    """MTH of each [start, end) range, reading every perfect piece once."""
    split = [merkle.range_pieces(s, e) for s, e in ranges]
    nodes = fetch_nodes({p for pieces in split for p in pieces})
    return [merkle.fold([nodes[p] for p in pieces]) for pieces in split]


def root(tree_size):
    """RFC 6962 root of the first ``tree_size`` entries."""
    check_size(tree_size)
    return range_hashes([(0, tree_size)])[0] if tree_size else merkle.EMPTY_ROOT


def check_size(tree_size, current=None):
    current = size() if current is None else current
    if tree_size > current:
        raise LogRangeError("size_beyond_log", f"size {tree_size} exceeds the log size {current}")


def inclusion_proof(index, tree_size):
    """(leaf hash, proof hashes) for entry ``index`` in the tree of ``tree_size``."""
    check_size(tree_size)
    if index >= tree_size:
        raise LogRangeError("index_out_of_range", f"index {index} is not smaller than size {tree_size}")
    hashes = range_hashes([(index, index + 1)] + merkle.inclusion_ranges(index, tree_size))
    return hashes[0], hashes[1:]


def consistency_proof(first, second):
    """(first root, second root, proof hashes) between two tree sizes."""
    check_size(second)
    if first > second:
        raise LogRangeError("from_after_to", f"from {first} exceeds to {second}")
    ranges = [(0, first), (0, second)] + merkle.consistency_ranges(first, second)
    hashes = range_hashes([r for r in ranges if r[1] > r[0]])
    if first == 0:
        hashes.insert(0, merkle.EMPTY_ROOT)
    if second == 0:
        hashes.insert(1, merkle.EMPTY_ROOT)
    return hashes[0], hashes[1], hashes[2:]


def entries(start, limit):
    return list(AuditEntry.select().where(AuditEntry.idx >= start).order_by(AuditEntry.idx).limit(limit))


def entries_for(object_type, object_id):
    return list(AuditEntry.select().where((AuditEntry.object_type == object_type)
                                          & (AuditEntry.object_id == str(object_id)))
                .order_by(AuditEntry.idx))


def create_tables(db=None):
    from audit.models import MODELS
    (db or database).create_tables(MODELS, safe=True)


__all__ = ["append", "size", "root", "inclusion_proof", "consistency_proof", "entries",
           "entries_for", "LogRangeError"]
