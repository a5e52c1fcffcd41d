"""Check a whole log: every leaf, the chain, the tree, every checkpoint, every payload.

Streams entries in primary-key order in bounded pages and rebuilds the tree
with a compact range (O(log n) memory), comparing as it goes with the stored
leaf and node hashes, the roots of every signed (and every saved) checkpoint,
the previous-entry hash, and — through the registered sources — the payload
re-derived from today's records. The per-entry loop is ``audit.scan``; a large
log is split into aligned runs checked by worker processes and stitched here.
Stops at the first problem: ``VerifyError`` names the index and what is wrong.
"""
import contextlib
import gc
import hashlib
import json
import os
from binascii import hexlify
from dataclasses import dataclass

from audit import keys, merkle, notes, redaction, scan, sources
from audit.db import database, real_database
from audit.encoding import canonical_json


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


def finish(size, claimed_size, targets):
    """After the last entry: the head's count and every checkpoint must fit the entries present."""
    if claimed_size != size:
        raise VerifyError(size, f"log claims {claimed_size} entries but {size} are present")
    beyond = [s for s in targets if s > size]
    if beyond:
        raise VerifyError(size, f"a checkpoint of size {max(beyond)} covers entries that are gone "
                                "(tail cut or an older copy restored)")
    return size


class Stitcher:
    """Joins the runs ``scan.scan`` checked, in order, into one tree and one story.

    Bounded runs are perfect subtrees of the same size; ``top`` is the compact
    range over their roots, so prefix + a run's right edge is the whole tree's
    right edge at any size inside that run. The earliest problem wins: a payload
    problem (``deep(low, high)`` raises the first in [low, high)) before any tree
    problem at a later index, and at one index the tree problem first.
    """

    def __init__(self, targets, deep=None):
        self.top = merkle.CompactRange()
        self.targets = targets  # size -> list of (label, root)
        self.deep = deep

    def take(self, res, stop=None, prefix=None):
        prefix = self.top.hashes if prefix is None else prefix
        problems = []
        if res.error:
            problems.append((res.error[0], 0, res.error[1]))
        for s in sorted(res.snapshots):
            tree_root = merkle.fold(prefix + res.snapshots[s])
            for label, root in self.targets.get(s, ()):
                if tree_root != root:
                    problems.append((s - 1, 2, f"{label} of size {s} has a different root: "
                                               "the log was rewritten at or before this index"))
                    break
        if stop is not None and res.end == stop and not res.error:
            made = self.top.append(res.stack[0])
            if b"".join(made) != res.upper_nodes:
                problems.append((stop - 1, 1, "stored tree node hashes are wrong"))
        first = min(problems) if problems else None
        if self.deep is not None:
            self.deep(res.start, first[0] if first else res.end)
        if first:
            raise VerifyError(first[0], first[2])


def check_payload(index, data, action, object_type, object_id, payload_text, redacted=None):
    """Re-derive the payload through the object type's source, if one is registered.

    ``redacted`` (an ``audit.redaction.Redacted``): a later entry re-masked this one's
    fields, so the row must give the stored payload with those fields masked, and the
    hash that redaction logged.
    """
    fn = sources.get(object_type)
    if fn is None:
        return None
    try:
        fields = json.loads(data)
    except ValueError:
        raise VerifyError(index, "entry is not JSON") from None
    if canonical_json(fields) != data:
        raise VerifyError(index, "entry is not in canonical form")
    if (fields.get("action"), fields.get("object_type"), fields.get("object_id")) != (action, object_type, object_id):
        raise VerifyError(index, "stored action/object columns differ from the entry")
    if hashlib.sha256(payload_text.encode("utf-8")).hexdigest() != fields.get("payload_sha256"):
        raise VerifyError(index, "stored payload does not match the entry's payload hash")
    payload = json.loads(payload_text)
    entry = SourceEntry(index, action, object_type, object_id, payload, fields)
    try:
        derived = fn(entry)
    except LookupError:
        raise VerifyError(index, f"the {object_type} {object_id} this entry records is gone") from None
    if derived is not None and redacted is not None:
        _check_redacted(index, object_type, object_id, payload, derived, redacted)
    elif derived is not None and hashlib.sha256(canonical_json(derived)).hexdigest() != fields["payload_sha256"]:
        raise VerifyError(index, f"{object_type} {object_id} as stored today differs from what was logged")
    return fields, payload


def _check_redacted(index, object_type, object_id, payload, derived, redacted):
    """The row as re-masked by redaction entry ``redacted.by``: only the named fields, only by masking."""
    masker = sources.masker()
    if masker is None:
        raise VerifyError(index, f"redacted by entry {redacted.by}, and no masker is registered to check it")
    expected = redaction.mask_fields(payload, redacted.fields, masker)
    if isinstance(expected, dict) and isinstance(derived, dict):
        expected.update({k: derived[k] for k in redacted.rehashed if k in derived and k in expected})
    if canonical_json(derived) != canonical_json(expected):
        raise VerifyError(index, f"{object_type} {object_id} as stored today differs from what was logged "
                                 f"(beyond the re-masking of redaction entry {redacted.by})")
    if hashlib.sha256(canonical_json(derived)).hexdigest() != redacted.payload_sha256:
        raise VerifyError(index, f"{object_type} {object_id} as stored today differs from what redaction entry "
                                 f"{redacted.by} logged")


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


PARALLEL_MIN = 1 << 17  # below this a worker pool costs more than it saves


def verify_database(progress=True, saved=(), workers=None, run_size=None):
    """Verify the log behind ``audit.db.database``; returns the number of entries checked.

    Large logs are checked by ``workers`` processes (default: one per core), each
    over its own connection and its own power-of-two-aligned runs of
    ``run_size`` entries; this process stitches the runs (chain across their
    borders, the tree above them, checkpoint roots) and re-derives payloads.
    """
    from tqdm import tqdm
    from audit.models import AuditCheckpoint, AuditHead, AuditKey

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
    stitcher = Stitcher(targets, _deep_checker(sources.registered(), announced))
    workers = (os.cpu_count() or 1) if workers is None else workers
    spec = _worker_spec()
    with tqdm(total=claimed, unit="entry", disable=not progress, mininterval=0.5) as bar:
        if spec and workers > 1 and claimed and hasattr(os, "fork") and (run_size or claimed >= PARALLEL_MIN):
            size = _verify_parallel(spec, workers, run_size or _run_size(claimed, workers), claimed, stitcher, bar)
        else:
            with no_cyclic_gc():
                res = scan.scan(_local_batches(0), 0, scan.GENESIS, targets, on_batch=bar.update)
            stitcher.take(res, prefix=[])
            size = res.end
    for key_id, first_use in key_first_use.items():
        key = key_rows[key_id]
        if key.announced_index is not None and key.announced_index >= first_use:
            raise VerifyError(key.announced_index, "a key signed checkpoints before it was announced")
    return finish(size, claimed, targets)


def _run_size(claimed, workers):
    """A power of two giving each worker about sixteen runs of at least 4096 entries.

    Many runs so that the last one leaves a core idle only briefly; at least 4096
    entries so that a run's connection and start-up stay small beside its work.
    """
    return max(4096, 1 << max(0, (claimed // (16 * workers)).bit_length() - 1))


def _worker_spec():
    """How a worker process opens its own connection to the same database (None: it cannot)."""
    import peewee
    db = real_database()
    if isinstance(db, peewee.PostgresqlDatabase):
        return ("postgresql", dict(db.connect_params, dbname=db.database))
    if isinstance(db, peewee.SqliteDatabase) and db.database not in ("", ":memory:") \
            and not str(db.database).startswith("file:"):
        return ("sqlite", db.database)
    return None


def _local_batches(start):
    """Batches from ``start`` to the end over this process's own connection (the caller's transaction, if any)."""
    def run(sql, params):
        return database.execute_sql(sql, params).fetchall()
    return scan.window_batches(*scan.queries(run, database.param), start, None)


@contextlib.contextmanager
def no_cyclic_gc():
    """The cyclic collector off for a bulk step that makes no reference cycles (its rows are freed by
    reference counting), restored as it was afterwards. Each collection would walk every row the step
    holds: in the scan about 0.1-0.3 µs an entry; in the appeals sweep at a million appeals five
    full-heap collections were about a second of a 3 s sweep."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _scan_task(args):
    """In a pool worker: one run."""
    with no_cyclic_gc():
        return scan.scan_range(*args)


def _verify_parallel(spec, workers, run_size, claimed, stitcher, bar):
    """Runs [k·run_size, (k+1)·run_size) in worker processes, stitched here in order; returns the size."""
    import multiprocessing
    runs = [(a, a + run_size) for a in range(0, claimed, run_size)]
    watch = sorted(stitcher.targets)
    tasks = [(spec, a, b, [s for s in watch if a < s <= b]) for a, b in runs]
    ended = None  # where the entries ran out, if before the last run
    # fork: workers need no re-import of the caller's main module, only audit.scan and a fresh connection
    with multiprocessing.get_context("fork").Pool(min(workers, len(runs))) as pool:
        for (a, b), res in zip(runs, pool.imap(_scan_task, tasks)):
            if ended is not None:
                if res.first_seen is not None:
                    raise VerifyError(ended, f"entry missing (next stored entry is {res.first_seen})")
                continue
            stitcher.take(res, b)
            bar.update(res.end - a)
            if res.end < b:
                ended = res.end
    tail_start = runs[-1][1]
    if ended is not None:
        later = database.execute_sql("SELECT MIN(idx) FROM audit_entry WHERE idx >= %d" % tail_start).fetchone()[0]
        if later is not None:
            raise VerifyError(ended, f"entry missing (next stored entry is {later})")
        return ended
    # rows beyond the last run (a head that claims too few): checked on, in this process
    prev = hexlify(res.last_leaf)
    tail = scan.scan(_local_batches(tail_start), tail_start, prev, stitcher.targets,
                     stack=list(stitcher.top.hashes), base=0)
    stitcher.take(tail, prefix=[])
    return tail.end


def _redactions():
    try:
        return redaction.from_log()
    except redaction.RedactionError as exc:
        raise VerifyError(exc.index, str(exc)) from None


def _deep_checker(sources_by_type, announced):
    """``deep(low, high)``: payload re-derivation and key announcements for entries in [low, high)."""
    from audit.models import AuditEntry
    types = list(sources_by_type)
    redacted, redactions = _redactions() if types else ({}, set())

    def deep(low, high):
        wanted = [i for i in announced if low <= i < high]
        if high <= low or not (types or wanted):
            return
        where = AuditEntry.object_type.in_(types) if types else None
        if wanted:
            where = AuditEntry.idx.in_(wanted) if where is None else (where | AuditEntry.idx.in_(wanted))
        columns = (AuditEntry.idx, AuditEntry.entry, AuditEntry.action, AuditEntry.object_type,
                   AuditEntry.object_id, AuditEntry.payload)
        while low < high:
            rows = list(AuditEntry.select(*columns).where((AuditEntry.idx >= low) & (AuditEntry.idx < high) & where)
                        .order_by(AuditEntry.idx).limit(scan.BATCH).tuples())
            if not rows:
                return
            for idx, data, action, object_type, object_id, payload in rows:
                data = bytes(data)
                if action.endswith(redaction.SUFFIX) and idx not in redactions:
                    raise VerifyError(idx, "redaction entry whose entries are not withheld (no audit_redaction rows)")
                check_payload(idx, data, action, object_type, object_id, payload, redacted.get(idx))
                if idx in announced:
                    fields = json.loads(data)
                    if hashlib.sha256(payload.encode("utf-8")).hexdigest() != fields.get("payload_sha256"):
                        raise VerifyError(idx, "stored key rotation payload does not match the entry")
                    _check_announcement(idx, fields, json.loads(payload), announced[idx])
            low = rows[-1][0] + 1
    return deep


def _check_announcement(idx, fields, payload, key):
    if fields.get("action") != keys.ROTATE_ACTION:
        raise VerifyError(idx, "signing key claims an announcement that is not a key rotation")
    try:
        new = keys.check_rotation(payload)
    except Exception as exc:
        raise VerifyError(idx, f"key rotation is not signed by the previous key: {exc}") from None
    if new != notes.vkey(key.name, bytes(key.public_key)):
        raise VerifyError(idx, "key rotation announces a different key than the one in use")
