"""Verification split over worker processes finds the same first problem as one process.

Runs of 16 entries make every border case small: a tampered entry inside a run,
on either side of a border, a missing run start, wrong hashes above a run's own
subtree (only the stitching process can see them), checkpoint roots inside runs.
"""
import datetime

import pytest

from audit import db as audit_db
from audit import log, merkle, sources, verify
from audit.verify import SavedCheckpoint, VerifyError

WHEN = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
N = 100
RUN = 16
pytestmark = pytest.mark.usefixtures("scan_loop")  # every verdict with the C and the Python loop


def _items(n, start=0):
    return [{"actor": "clerk", "action": "test.touch", "object_type": "thing", "object_id": str(i),
             "payload": {"n": i}, "time": WHEN} for i in range(start, start + n)]


@pytest.fixture
def sqlite_log(tmp_path):
    database = log.open_log(f"sqlite:///{tmp_path / 'log.db'}")
    with database.atomic():
        log.append_many(_items(N))
    yield database
    database.close()


def _parallel(**kw):
    return verify.verify_database(progress=False, workers=2, run_size=RUN, **kw)


def _fail(**kw):
    with pytest.raises(VerifyError) as exc:
        _parallel(**kw)
    with pytest.raises(VerifyError) as single:
        verify.verify_database(progress=False, workers=1, **kw)
    assert (exc.value.index, exc.value.message) == (single.value.index, single.value.message)
    return exc.value


def _root(size):
    return merkle.CompactRange.from_bytes(0, b"").root() if not size else log.root(size)


def test_append_many_writes_what_single_appends_write(sqlite_log, tmp_path):
    other = log.open_log(f"sqlite:///{tmp_path / 'one-by-one.db'}")
    with other.atomic():
        for item in _items(N):
            log.append(**item)
    one_by_one = other.execute_sql("SELECT idx, entry, leaf_hash, nodes, payload FROM audit_entry ORDER BY idx").fetchall()
    head = other.execute_sql("SELECT size, frontier, last_leaf FROM audit_head").fetchall()
    other.close()
    audit_db.database.initialize(sqlite_log)
    assert sqlite_log.execute_sql("SELECT idx, entry, leaf_hash, nodes, payload FROM audit_entry "
                                  "ORDER BY idx").fetchall() == one_by_one
    assert sqlite_log.execute_sql("SELECT size, frontier, last_leaf FROM audit_head").fetchall() == head


def test_parallel_verifies_and_checks_checkpoint_roots_inside_runs(sqlite_log):
    saved = [SavedCheckpoint(s, _root(s), f"saved {s}") for s in (1, 16, 20, 33, 64, 99, 100)]
    assert _parallel(saved=saved) == N
    bad = [SavedCheckpoint(37, _root(36), "saved checkpoint")]
    err = _fail(saved=bad)
    assert err.index == 36 and "different root" in err.message


@pytest.mark.parametrize("index", [5, 15, 16, 31, 32, 99])
def test_flipped_byte_is_pinpointed_across_run_borders(sqlite_log, index):
    data = bytearray(sqlite_log.execute_sql("SELECT entry FROM audit_entry WHERE idx = ?", (index,)).fetchone()[0])
    data[40] ^= 1
    sqlite_log.execute_sql("UPDATE audit_entry SET entry = ? WHERE idx = ?", (bytes(data), index))
    err = _fail()
    assert err.index == index and "leaf hash" in err.message


@pytest.mark.parametrize("index, found, what", [(47, 47, "node"), (48, 49, "previous-entry hash")])
def test_rewritten_entry_with_recomputed_leaf(sqlite_log, index, found, what):
    """An odd position completes subtrees, so its stored nodes betray it; an even one only the chain does."""
    data = sqlite_log.execute_sql("SELECT entry FROM audit_entry WHERE idx = ?", (index,)).fetchone()[0]
    data = data.replace(b"test.touch", b"test.tamper")
    sqlite_log.execute_sql("UPDATE audit_entry SET entry = ?, leaf_hash = ? WHERE idx = ?",
                           (data, merkle.leaf_hash(data), index))
    err = _fail()
    assert err.index == found and what in err.message


def test_wrong_node_above_a_run_is_caught_by_the_stitching(sqlite_log):
    nodes = bytearray(sqlite_log.execute_sql("SELECT nodes FROM audit_entry WHERE idx = 63").fetchone()[0])
    assert len(nodes) == 6 * 32  # levels 1-4 inside the run, 5-6 above it
    nodes[5 * 32] ^= 1
    sqlite_log.execute_sql("UPDATE audit_entry SET nodes = ? WHERE idx = 63", (bytes(nodes),))
    err = _fail()
    assert err.index == 63 and "node" in err.message


@pytest.mark.parametrize("index", [32, 40])
def test_deleted_entry(sqlite_log, index):
    sqlite_log.execute_sql("DELETE FROM audit_entry WHERE idx = ?", (index,))
    err = _fail()
    assert err.index == index and f"next stored entry is {index + 1}" in err.message


def test_deleted_whole_run_and_cut_tail(sqlite_log):
    sqlite_log.execute_sql("DELETE FROM audit_entry WHERE idx >= 32 AND idx < 48")
    err = _fail()
    assert err.index == 32 and "next stored entry is 48" in err.message
    sqlite_log.execute_sql("DELETE FROM audit_entry WHERE idx >= 32")
    err = _fail()
    assert err.index == 32 and "log claims 100 entries but 32" in err.message


def test_rows_beyond_the_head_are_checked_too(sqlite_log):
    sqlite_log.execute_sql("UPDATE audit_head SET size = 90")
    err = _fail()
    assert err.index == 100 and "log claims 90" in err.message


def test_payload_problem_before_a_tree_problem_wins(sqlite_log):
    sources.register("thing", lambda entry: {"n": entry.payload["n"] if entry.index != 20 else -1})
    try:
        data = bytearray(sqlite_log.execute_sql("SELECT entry FROM audit_entry WHERE idx = 70").fetchone()[0])
        data[40] ^= 1
        sqlite_log.execute_sql("UPDATE audit_entry SET entry = ? WHERE idx = 70", (bytes(data),))
        err = _fail()
        assert err.index == 20 and "differs from what was logged" in err.message
    finally:
        sources._sources.pop("thing", None)


def test_parallel_on_postgresql(pg_url):
    database = log.open_log(pg_url)
    try:
        with database.atomic():
            log.append_many(_items(N))
        with database.atomic():
            log.append_many(_items(3, N))
        assert _parallel() == N + 3
        database.execute_sql("DELETE FROM audit_entry WHERE idx = 17")
        err = _fail()
        assert err.index == 17 and "missing" in err.message
    finally:
        database.close()
