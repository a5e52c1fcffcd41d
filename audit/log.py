"""Appending to the log and reading its tree: roots and proofs from stored hashes.

``append`` runs inside the caller's transaction. Its first statement bumps the
single head row, which takes the write lock (SQLite) or the row lock
(PostgreSQL) before anything is read, so concurrent appenders from any number
of processes queue up and produce one gapless sequence.
"""
import datetime

from audit import merkle
from audit.db import database, is_postgres
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
    """Take the append lock and return (size, frontier, last leaf) of the head row (created on first use).

    One statement: the UPDATE takes the lock and RETURNING reads the row it locked.
    """
    lock = _sql("UPDATE audit_head SET size = size WHERE id = 1 RETURNING size, frontier, last_leaf")
    rows = database.execute_sql(lock).fetchall()
    if not rows:
        AuditHead.insert(id=1, size=0, frontier=b"", last_leaf=b"").on_conflict_ignore().execute()
        rows = database.execute_sql(lock).fetchall()
    size, frontier, last = rows[0]
    return size, bytes(frontier), bytes(last)


def _prepare(actor, action, object_type, object_id, payload, files=(), time=None):
    """Everything about an entry that does not depend on its position in the log."""
    payload_bytes = canonical_json(payload)
    when = (time or datetime.datetime.now(datetime.timezone.utc)).astimezone(datetime.timezone.utc)
    return (actor, action, object_type, str(object_id), payload_bytes, [file_digest(f) for f in files], when)


def append(actor, action, object_type, object_id, payload, files=(), time=None):
    """Append one entry in the current transaction and return the AuditEntry.

    ``actor`` is a string (or None for the system); ``payload`` any canonical-JSON-able
    value; ``files`` attachments as (name, bytes), bytes or SHA-256 hex.
    """
    return _append_prepared([_prepare(actor, action, object_type, object_id, payload, files, time)])[0]


def append_many(items):
    """Append several entries in the current transaction, in order; returns their AuditEntry list.

    ``items`` are dicts of ``append``'s arguments. One lock, one multi-row insert and
    one head update for the whole batch, so a bulk import costs a few round trips,
    not four per entry.
    """
    return _append_prepared([_prepare(**item) for item in items])


def _append_prepared(prepared):
    if not database.in_transaction():
        raise RuntimeError("audit.append must run inside the caller's transaction")
    if not prepared:
        return []
    index, frontier_bytes, last_leaf = _lock_head()
    frontier = merkle.CompactRange.from_bytes(index, frontier_bytes)
    prev = last_leaf.hex() if index else GENESIS_PREV
    out, rows = [], []
    blob = AuditEntry.entry.db_value
    for actor, action, object_type, object_id, payload_bytes, digests, when in prepared:
        fields = entry_fields(index, when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), actor, action, object_type,
                              object_id, sha256_hex(payload_bytes), digests, prev)
        data = canonical_json(fields)
        leaf = merkle.leaf_hash(data)
        nodes = b"".join(frontier.append(leaf))
        payload_text, created_at = payload_bytes.decode("utf-8"), when.replace(microsecond=0)
        entry = _entry(idx=index, entry=data, leaf=leaf, nodes=nodes, payload=payload_text, action=action,
                       object_type=object_type, object_id=object_id, created_at=created_at)
        rows.append((index, blob(data), blob(leaf), blob(nodes), payload_text, action, object_type,
                     object_id, created_at))
        out.append(entry)
        prev = leaf.hex()
        index += 1
    _store(rows, (index, _blob(frontier.to_bytes()), _blob(leaf)))
    return out


INSERT_ENTRY = ("INSERT INTO audit_entry (idx, entry, leaf_hash, nodes, payload, action, object_type, object_id, "
                "created_at) VALUES ")
ENTRY_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
UPDATE_HEAD = "UPDATE audit_head SET size = ?, frontier = ?, last_leaf = ? WHERE id = 1"


def _entry(**fields):
    """``AuditEntry(**fields)`` with every field given, as peewee builds it (the values in ``__data__``,
    each field dirty), without its default computing and per-field ``setattr``: a bulk append of
    16,000 entries spent more building these objects than hashing them."""
    entry = AuditEntry.__new__(AuditEntry)
    entry.__data__ = fields
    entry._dirty = set(fields)
    entry.__rel__ = {}
    return entry


def _blob(data):
    return AuditEntry.entry.db_value(data)


def _store(rows, head):
    """Insert the entry rows and move the head: one round trip on PostgreSQL, two statements on SQLite."""
    if is_postgres():
        cursor = database.cursor()
        values = b",".join(cursor.mogrify(_sql(ENTRY_VALUES), row) for row in rows)
        cursor.execute(b"WITH e AS (" + INSERT_ENTRY.encode() + values + b") "
                       + cursor.mogrify(_sql(UPDATE_HEAD), head))
        return
    cursor = database.cursor()
    cursor.executemany(INSERT_ENTRY + ENTRY_VALUES, rows)
    cursor.execute(UPDATE_HEAD, head)


def size():
    row = database.execute_sql("SELECT size FROM audit_head WHERE id = 1").fetchone()
    return row[0] if row else 0


def _node_location(level, idx):
    """Entry index and byte offset in it of perfect-subtree node (level, idx)."""
    return ((idx + 1) << level) - 1, level


NODE_QUERY = "SELECT idx, leaf_hash, nodes FROM audit_entry WHERE idx IN ({})"


class LogCorrupted(RuntimeError):
    """An entry a proof needs is missing although the log is long enough (run ``python -m audit verify``)."""


def fetch_nodes(pieces, tree_size):
    """Hashes of perfect subtrees {(level, idx): bytes}: one raw indexed query, no ORM.

    Every range that ends at ``tree_size`` reads entry ``tree_size - 1``, and an
    entry is only ever stored together with the head that counts it, so finding
    all rows proves the log has ``tree_size`` entries without reading the head.
    A missing row is the rare path: only then is the head consulted, to tell a
    size beyond the log from a damaged table.
    """
    wanted = {p: _node_location(*p) for p in pieces}
    rows = {}
    indexes = sorted({loc[0] for loc in wanted.values()})
    for start in range(0, len(indexes), 500):
        chunk = indexes[start:start + 500]
        for idx, leaf, nodes in database.execute_sql(_sql(NODE_QUERY.format(",".join("?" * len(chunk)))),
                                                     chunk).fetchall():
            rows[idx] = (leaf, nodes)
    if len(rows) < len(indexes):
        check_size(tree_size)
        missing = min(set(indexes) - set(rows))
        raise LogCorrupted(f"audit entry {missing} is missing from a log of {size()} entries")
    out = {}
    for piece, (entry_index, level) in wanted.items():
        leaf, nodes = rows[entry_index]
        out[piece] = bytes(leaf) if level == 0 else bytes(nodes[(level - 1) * 32:level * 32])
    return out


def range_hashes(ranges, tree_size):
    """MTH of each [start, end) range within the first ``tree_size`` entries, reading every piece once."""
    split = [merkle.range_pieces(s, e) for s, e in ranges]
    nodes = fetch_nodes({p for pieces in split for p in pieces}, tree_size)
    return [merkle.fold([nodes[p] for p in pieces]) for pieces in split]


def root(tree_size):
    """RFC 6962 root of the first ``tree_size`` entries."""
    if not tree_size:
        return merkle.EMPTY_ROOT
    return range_hashes([(0, tree_size)], tree_size)[0]


def check_size(tree_size, current=None):
    current = size() if current is None else current
    if tree_size > current:
        raise LogRangeError("size_beyond_log", f"size {tree_size} exceeds the log size {current}")


def inclusion_proof(index, tree_size):
    """(leaf hash, proof hashes) for entry ``index`` in the tree of ``tree_size``."""
    leaf, proof, _ = inclusion_proof_with_root(index, tree_size, with_root=False)
    return leaf, proof


def inclusion_proof_with_root(index, tree_size, with_root=True):
    """(leaf hash, proof hashes, root of ``tree_size`` or None): one query for all three."""
    if index >= tree_size:
        check_size(tree_size)
        raise LogRangeError("index_out_of_range", f"index {index} is not smaller than size {tree_size}")
    root_range = [(0, tree_size)] if with_root else [(0, 0)]
    hashes = range_hashes([(index, index + 1)] + root_range + merkle.inclusion_ranges(index, tree_size),
                          tree_size)
    return hashes[0], hashes[2:], hashes[1] if with_root else None


def consistency_proof(first, second):
    """(first root, second root, proof hashes) between two tree sizes."""
    if first > second:
        check_size(second)
        raise LogRangeError("from_after_to", f"from {first} exceeds to {second}")
    ranges = [(0, first), (0, second)] + merkle.consistency_ranges(first, second)
    hashes = range_hashes([r for r in ranges if r[1] > r[0]], second)
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


def open_log(url):
    """Open the log at a database URL, bind the audit models to it and create its tables (scripts, benchmarks)."""
    from audit import db as audit_db
    db = audit_db.open_url(url)
    audit_db.database.initialize(db)
    db.connect(reuse_if_open=True)
    if "schema=" in url:
        db.execute_sql(f'CREATE SCHEMA IF NOT EXISTS "{url.split("schema=")[1]}"')
    create_tables(db)
    return db


def create_tables(db=None):
    from audit.models import MODELS
    (db or database).create_tables(MODELS, safe=True)


__all__ = ["append", "append_many", "size", "root", "inclusion_proof", "consistency_proof", "entries",
           "entries_for", "LogRangeError", "LogCorrupted", "inclusion_proof_with_root"]
