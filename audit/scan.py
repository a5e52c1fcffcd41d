"""The hot loop of verification: check a run of consecutive entries, fast.

Kept free of peewee and of the portal so a worker process can import it in
milliseconds. ``scan`` checks, for every entry of a run that starts at an
index ``start`` aligned to a power of two: no gap, leaf hash = SHA-256(0x00 ‖
bytes) equals the stored one, the entry claims its own index, its ``prev`` is
the leaf hash of the entry before, and the subtree hashes stored with it are
the ones the tree gives. It never raises for a bad log: it stops at the first
problem and returns it with everything needed to stitch runs together (the
run's right edge, its last leaf, the right edge at each watched size).

The index and previous-hash fields are checked as byte patterns rather than by
parsing: in canonical JSON every quote inside a string is escaped, so
``"index":N,`` and ``"prev":"…"`` can only be the keys themselves. Entries are
parsed in full where a source re-derives them (``audit.verify``).

The per-entry checks run in C (``audit/_scanloop.c``) where it was built, as
hashing is then the main cost rather than the interpreter; ``_scan_python`` is
the same loop in Python, the fallback and the reference the C one is tested
against (``tests/audit/test_audit_scanloop.py``).
"""
import hashlib
import json
from binascii import hexlify
from dataclasses import dataclass, field

try:
    from audit import _scanloop
except ImportError:  # not compiled (no C compiler where it was installed): the Python loop does the same
    _scanloop = None

LOOP = _scanloop  # the C loop, or None for the Python one (tests run both)

GENESIS = b"0" * 64
BATCH = 20000


@dataclass
class ScanResult:
    start: int
    end: int = 0  # the next index the run expected (start + entries checked)
    first_seen: int | None = None  # the first stored index met (None: no row at all)
    error: tuple | None = None  # (index, message) of the first problem
    stack: list = field(default_factory=list)  # right edge of the run's own subtree, largest first
    last_leaf: bytes = b""  # leaf hash of entry end - 1
    upper_nodes: bytes | None = None  # stored nodes of the run's last entry above the run's own levels
    snapshots: dict = field(default_factory=dict)  # watched size -> right edge of the run at that size


# In an entry of format v1 the "prev" member is followed only by the fixed-width
# "time" and "v" members, so it starts this many bytes before the end. Only a
# shortcut: where it is not found there, the whole entry is searched as before.
PREV_FROM_END = len('"prev":"') + 64 + len('","time":"') + len("2025-01-01T00:00:00.000000Z") + len('","v":1}')


def scan(batches, start, prev, watch=(), stop=None, leaf_label="stored", on_batch=None, stack=None, base=None,
         redacted=False):
    """Check entries start, start+1, … from ``batches``.

    A batch is ``(first, rows)``: rows (bytes, leaf hash, nodes) of the entries
    first, first+1, … with no gap inside (``consecutive`` makes them); a batch
    whose ``first`` is not the next index expected is a gap. ``prev`` is the hex
    (bytes) leaf hash of entry start - 1 (``GENESIS`` for 0); ``stop`` the end
    of a bounded run, whose last entry's nodes above the run's own subtree are
    returned for the caller to check; ``nodes`` None skips the node check (an
    API serves no nodes). ``watch``: sizes to snapshot at. ``stack``/``base``:
    continue a tree whose right edge is ``stack`` at ``start`` counted from
    ``base`` (default: a fresh subtree rooted at ``start``). ``redacted``: rows
    may have bytes None (a portal withholds an older entry that names a
    person); their given leaf hash stands in the tree and for the next entry's
    ``prev``, the checks on their own bytes are skipped (plain-Python loop).
    """
    if LOOP is not None and not redacted:
        return _scan_c(batches, start, prev, watch, stop, leaf_label, on_batch, stack, base)
    return _scan_python(batches, start, prev, watch, stop, leaf_label, on_batch, stack, base)


def _scan_c(batches, start, prev, watch, stop, leaf_label, on_batch, stack, base):
    """``scan`` with the per-entry checks in ``audit._scanloop``; this loop only handles batches and watch sizes."""
    res = ScanResult(start, start)
    scanner = LOOP.Scanner(start - 1, prev, start if base is None else base, stop - 1 if stop is not None else -1,
                           list(stack or ()), PREV_FROM_END)
    pending = sorted({s for s in watch if s > start}, reverse=True)
    next_watch = pending.pop() if pending else -1
    feed = scanner.feed
    try:
        for first, rows in batches:
            if res.first_seen is None and rows:
                res.first_seen = first
            if first != scanner.idx + 1:
                res.error = (scanner.idx + 1, f"entry missing (next stored entry is {first})")
                return res
            if not isinstance(rows, list):
                rows = list(rows)
            lo, count = 0, len(rows)
            while lo < count:
                # stop at the next watched size to snapshot the right edge there
                hi = count if next_watch < 0 else min(count, next_watch - first)
                failed = feed(rows, lo, hi)
                if failed is not None:
                    idx, code = failed
                    res.error = (idx, _message(code, rows[idx - first][0], leaf_label))
                    return res
                lo = hi
                if scanner.idx + 1 == next_watch:
                    res.snapshots[next_watch] = scanner.stack
                    next_watch = pending.pop() if pending else -1
            if on_batch is not None:
                on_batch(count)
    finally:
        res.end = scanner.idx + 1
        res.last_leaf = scanner.last_leaf
        res.stack = scanner.stack
        res.upper_nodes = scanner.upper_nodes
    return res


LEAF, INDEX, PREV, NODES = 1, 2, 3, 4  # the codes feed() returns (the enum in audit/_scanloop.c)


def _message(code, data, leaf_label):
    """What is wrong with an entry, for the code the check that failed gives."""
    if code == LEAF:
        return f"{leaf_label} leaf hash does not match the entry bytes"
    if code == INDEX:
        return f"entry claims index {claimed_index(data)}"
    if code == PREV:
        return "previous-entry hash does not match the entry before it (this entry or the one before was changed)"
    return "stored tree node hashes are wrong"


def _scan_python(batches, start, prev, watch, stop, leaf_label, on_batch, stack, base):
    """``scan`` in plain Python: where the C loop is not built, and the reference it is tested against."""
    res = ScanResult(start, start, stack=list(stack or ()))
    base = start if base is None else base
    sha = hashlib.sha256
    # a copy of a hasher already fed the domain byte costs less than a new one over a concatenation
    leaf_hasher, node_hasher = sha(b"\x00").copy, sha(b"\x01").copy
    find = bytes.find
    pending = sorted({s for s in watch if s > start}, reverse=True)
    next_watch = pending.pop() if pending else -1
    stack = res.stack
    push, pop = stack.append, stack.pop
    last = stop - 1 if stop is not None else -1
    idx = start - 1
    prev_pattern = b'"prev":"' + prev + b'"'
    digest = b""
    try:
        for first, rows in batches:
            if res.first_seen is None and rows:
                res.first_seen = first
            if first != idx + 1:
                res.error = (idx + 1, f"entry missing (next stored entry is {first})")
                return res
            for data, leaf, nodes in rows:
                idx += 1
                if data is None:  # withheld bytes: only the served hash is known
                    h = leaf
                    n = idx - base
                    while n & 1:
                        c = node_hasher()
                        c.update(pop())
                        c.update(h)
                        h = c.digest()
                        n >>= 1
                    push(h)
                    digest = leaf
                    prev_pattern = b'"prev":"' + hexlify(leaf) + b'"'
                    if idx + 1 == next_watch:
                        res.snapshots[next_watch] = list(stack)
                        next_watch = pending.pop() if pending else -1
                    continue
                c = leaf_hasher()
                c.update(data)
                h = c.digest()
                if h != leaf and leaf is not None:
                    res.error = (idx, _message(LEAF, data, leaf_label))
                    return res
                claim = b'"index":%d,' % idx
                # shortcut: the first "x" of a v1 entry is usually the key's own (memchr, no substring search)
                if not data.startswith(claim, find(data, b"x") - 5) and claim not in data:
                    res.error = (idx, _message(INDEX, data, leaf_label))
                    return res
                if not data.startswith(prev_pattern, -PREV_FROM_END) and prev_pattern not in data:
                    res.error = (idx, _message(PREV, data, leaf_label))
                    return res
                n = idx - base
                if n & 1:
                    c = node_hasher()
                    c.update(pop())
                    c.update(h)
                    node = c.digest()
                    if n & 2:  # completes more than one subtree
                        made = [node]
                        n >>= 1
                        while n & 1:
                            c = node_hasher()
                            c.update(pop())
                            c.update(node)
                            node = c.digest()
                            made.append(node)
                            n >>= 1
                        made = b"".join(made)
                    else:
                        made = node
                    push(node)
                    if nodes is not None:
                        if idx == last:
                            res.upper_nodes = nodes[len(made):]
                            nodes = nodes[:len(made)]
                        if made != nodes:
                            res.error = (idx, _message(NODES, data, leaf_label))
                            return res
                else:
                    push(h)
                    if idx == last:  # a run of one entry: every stored node is above it
                        res.upper_nodes = nodes or b""
                    elif nodes:  # an even position completes no subtree
                        res.error = (idx, _message(NODES, data, leaf_label))
                        return res
                digest = h
                prev_pattern = b'"prev":"' + hexlify(h) + b'"'
                if idx + 1 == next_watch:
                    res.snapshots[next_watch] = list(stack)
                    next_watch = pending.pop() if pending else -1
            if on_batch is not None:
                on_batch(len(rows))
    finally:
        res.end = idx + 1
        res.last_leaf = digest
    return res


def consecutive(rows):
    """Split (idx, bytes, leaf, nodes) rows into ``(first, rows)`` batches without gaps."""
    out, first = [], None
    for idx, data, leaf, nodes in rows:
        if out and idx != first + len(out):
            yield first, out
            out = []
        if not out:
            first = idx
        out.append((data, leaf, nodes))
    if out:
        yield first, out


def claimed_index(data):
    try:
        return json.loads(data).get("index")
    except (ValueError, AttributeError):
        return "nothing (not a JSON object)"


def window_batches(window, keyset, start, stop, batch=BATCH):
    """Batches of entries start <= idx < stop in primary-key order, bounded memory.

    ``window(low, high)`` returns (bytes, leaf, nodes) rows of low <= idx < high;
    when it returns all high - low of them they are exactly those indexes (the
    index is the primary key), so the common case fetches no index column.
    A short window (a gap, or the end) is read again with ``keyset(low, high,
    limit)``, which gives (idx, …) rows and finds the next stored entry.
    """
    high = stop if stop is not None else 1 << 62
    low = start
    while low < high:
        top = min(low + batch, high)
        rows = window(low, top)
        if len(rows) == top - low:
            yield low, rows
            low = top
            continue
        rows = keyset(low, high, batch)
        if not rows:
            return
        yield from consecutive(rows)
        low = rows[-1][0] + 1


# --- worker processes --------------------------------------------------------------------------

def connect(spec):
    """A raw DB-API connection from a picklable spec: ("sqlite", path) or ("postgresql", kwargs)."""
    kind, args = spec
    if kind == "sqlite":
        import sqlite3
        return sqlite3.connect(args, timeout=30)
    import psycopg2
    return psycopg2.connect(**args)


def queries(run, p):
    """``window`` and ``keyset`` functions (see ``window_batches``), blobs as bytes.

    ``run(sql, params)`` returns all rows of a query; ``p`` is the driver's placeholder.
    """
    window_sql = f"SELECT entry, leaf_hash, nodes FROM audit_entry WHERE idx >= {p} AND idx < {p} ORDER BY idx"
    keyset_sql = (f"SELECT idx, entry, leaf_hash, nodes FROM audit_entry WHERE idx >= {p} AND idx < {p} "
                  f"ORDER BY idx LIMIT {p}")

    def window(low, high):
        rows = run(window_sql, (low, high))
        if rows and not isinstance(rows[0][0], bytes):  # psycopg2 gives memoryviews
            rows = [(bytes(d), bytes(lf), bytes(n)) for d, lf, n in rows]
        return rows

    def keyset(low, high, limit):
        rows = run(keyset_sql, (low, high, limit))
        if rows and not isinstance(rows[0][1], bytes):
            rows = [(i, bytes(d), bytes(lf), bytes(n)) for i, d, lf, n in rows]
        return rows
    return window, keyset


def _runner(conn):
    cursor = conn.cursor()

    def run(sql, params):
        cursor.execute(sql, params)
        return cursor.fetchall()
    return run


def scan_range(spec, start, stop, watch):
    """Worker: verify entries [start, stop) over its own connection (``start`` aligned to the run size)."""
    conn = connect(spec)
    place = "?" if spec[0] == "sqlite" else "%s"
    try:
        prev = GENESIS
        if start:
            rows = _runner(conn)("SELECT entry FROM audit_entry WHERE idx = " + place, (start - 1,))
            row = rows[0] if rows else None
            # a missing previous entry is reported by the run before this one, which comes first
            prev = hexlify(hashlib.sha256(b"\x00" + bytes(row[0])).digest()) if row else b"-"
        return scan(window_batches(*queries(_runner(conn), place), start, stop), start, prev, watch, stop)
    finally:
        conn.close()
