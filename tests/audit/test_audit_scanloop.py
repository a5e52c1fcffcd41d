"""The C scan loop (``audit._scanloop``) gives exactly the Python loop's verdict, on good and tampered runs.

Each example builds a valid run of v1-shaped entries with their stored leaf and
node hashes, tampers with it in one drawn way (or not at all), splits it into
drawn batches, and compares every field of the two ``ScanResult``s: first
problem and its message, where the run ended, right edge, last leaf, the nodes
above a bounded run, and the snapshots at watched sizes.
"""
from binascii import hexlify

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from audit import merkle, scan
from audit.encoding import canonical_json

from tests.audit.conftest import c_loop


def _run(n, start=0, base=0):
    """Rows (bytes, leaf, nodes) of entries start … start+n-1 of a log, and the right edge before ``start``."""
    rows, prev, rng, before = [], scan.GENESIS, merkle.CompactRange(), []
    for i in range(start + n):
        if i == start:
            before = list(rng.hashes)
        fields = {"action": "test.touch", "actor": f"clerk{i % 3}", "files": [], "index": i,
                  "object_id": str(i), "object_type": "thing", "payload_sha256": "%064x" % i, "prev": prev.decode(),
                  "time": "2025-01-01T00:00:00.000000Z", "v": 1}
        data = canonical_json(fields)
        leaf = merkle.leaf_hash(data)
        made = rng.append(leaf) if i >= base else []
        if i >= start:
            rows.append((data, leaf, b"".join(made)))
        prev = hexlify(leaf)
    return rows, before


def _flip(value, pos):
    b = bytearray(value)
    b[pos % len(b)] ^= 1 << (pos % 8)
    return bytes(b)


TAMPERS = ["none", "entry byte", "leaf", "leaf none", "nodes", "nodes cut", "nodes extra", "gap",
           "swap", "no nodes anywhere", "claim", "prev"]


def _tamper(rows, how, at, pos):
    """Rows after one tampering at row ``at`` (``pos`` picks a byte), and the row to leave out (a gap) or None."""
    rows = list(rows)
    data, leaf, nodes = rows[at]
    skip = None
    if how == "entry byte":
        rows[at] = (_flip(data, pos), leaf, nodes)
    elif how == "leaf":
        rows[at] = (data, _flip(leaf, pos), nodes)
    elif how == "leaf none":
        rows = [(d, None, nd) for d, _, nd in rows]
    elif how == "nodes":
        rows[at] = (data, leaf, _flip(nodes, pos) if nodes else b"\x00" * 32)
    elif how == "nodes cut":
        rows[at] = (data, leaf, nodes[:-1])
    elif how == "nodes extra":
        rows[at] = (data, leaf, nodes + b"\x07" * 32)
    elif how == "gap":
        skip = at
    elif how == "swap" and at + 1 < len(rows):
        rows[at], rows[at + 1] = rows[at + 1], rows[at]
    elif how == "no nodes anywhere":
        rows = [(d, lf, None) for d, lf, _ in rows]
    elif how == "claim":
        data = data.replace(b'"index":', b'"index":1', 1)
        rows[at] = (data, merkle.leaf_hash(data), nodes)
    elif how == "prev":
        i = data.index(b'"prev":"') + 8 + pos % 64
        data = data[:i] + (b"1" if data[i:i + 1] != b"1" else b"2") + data[i + 1:]
        rows[at] = (data, merkle.leaf_hash(data), nodes)
    return rows, skip


def _batches(rows, start, cuts, skip):
    """``(first, rows)`` batches cut at ``cuts``, leaving out row ``skip``."""
    indexed = [(start + k, *row) for k, row in enumerate(rows) if k != skip]
    out, edges = [], sorted({0, len(indexed), *(c % (len(indexed) + 1) for c in cuts)})
    for a, b in zip(edges, edges[1:]):
        out.extend(scan.consecutive(indexed[a:b]))
    return out


def _scan_with(loop, batches, start, prev, **kw):
    saved, scan.LOOP = scan.LOOP, loop
    try:
        return scan.scan(list(batches), start, prev, **kw)
    finally:
        scan.LOOP = saved


def _both(batches, start, prev, **kw):
    return _scan_with(c_loop(), batches, start, prev, **kw), _scan_with(None, batches, start, prev, **kw)


@settings(max_examples=400, deadline=None)
@given(n=st.integers(1, 70), how=st.sampled_from(TAMPERS), data=st.data())
def test_c_loop_matches_python_loop(n, how, data):
    c_loop()
    aligned = data.draw(st.sampled_from([0, 0, 16, 64]))  # a run at an aligned start, or a tail continuing a tree
    bounded = data.draw(st.booleans()) and aligned in (0, 64) and n in (1, 2, 4, 8, 16, 32, 64)
    tail = not bounded and aligned == 16
    base = 0 if tail else aligned
    rows, before = _run(n, start=aligned, base=base)  # a tail's nodes and right edge are the whole tree's
    at = data.draw(st.integers(0, n - 1))
    rows, skip = _tamper(rows, how, at, data.draw(st.integers(0, 10_000)))
    cuts = data.draw(st.lists(st.integers(0, 80), max_size=4))
    watch = data.draw(st.lists(st.integers(0, aligned + n + 3), max_size=5))
    prev = hexlify(_run(aligned)[0][-1][1]) if aligned else scan.GENESIS
    kw = {"watch": watch, "stop": aligned + n if bounded else None, "leaf_label": "stored"}
    if tail:
        kw.update(stack=before, base=0)
    c, py = _both(_batches(rows, aligned, cuts, skip), aligned, prev, **kw)
    assert c == py
    event(f"{how}: {c.error[1].split(' ')[0] if c.error else 'ok'}")
    if how == "none":
        assert c.error is None and c.end == aligned + n


def test_untouched_run_ends_with_the_trees_root():
    rows, _ = _run(37)
    c, py = _both([(0, rows)], 0, scan.GENESIS, watch=[5, 37])
    assert c == py and c.error is None
    leaves = [lf for _, lf, _ in rows]
    assert merkle.fold(c.stack) == merkle.fold(c.snapshots[37]) == _root(leaves)
    assert merkle.fold(c.snapshots[5]) == _root(leaves[:5])


def _root(leaves):
    rng = merkle.CompactRange()
    for leaf in leaves:
        rng.append(leaf)
    return rng.root()


@pytest.mark.parametrize("convert", [memoryview, bytearray])
def test_c_loop_takes_any_bytes_like_row(convert):
    """psycopg2 gives memoryviews; the C loop reads them as they are (the Python loop needs bytes)."""
    rows, _ = _run(9)
    c = _scan_with(c_loop(), [(0, [tuple(map(convert, row)) for row in rows])], 0, scan.GENESIS)
    py = _scan_with(None, [(0, rows)], 0, scan.GENESIS)
    assert c == py and c.error is None and c.end == 9


def test_c_loop_refuses_malformed_rows_rather_than_guessing():
    loop = c_loop()
    scanner = loop.Scanner(-1, scan.GENESIS, 0, -1, [], scan.PREV_FROM_END)
    with pytest.raises(TypeError):
        scanner.feed([("not", "a row")], 0, 1)
    with pytest.raises(TypeError):
        scanner.feed([("text", b"", b"")], 0, 1)
    with pytest.raises(IndexError):
        scanner.feed([], 0, 1)
    with pytest.raises(ValueError):
        loop.Scanner(-1, b"0" * 65, 0, -1, [], scan.PREV_FROM_END)
    with pytest.raises(ValueError):
        loop.Scanner(-1, scan.GENESIS, 0, -1, [b"short"], scan.PREV_FROM_END)
    with pytest.raises(RuntimeError):
        loop.Scanner.__new__(loop.Scanner).feed([], 0, 0)
