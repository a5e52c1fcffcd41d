"""The portal contract: record() in the caller's transaction, proofs from stored subtrees."""
import peewee
import pytest

from audit import log, merkle
from audit.models import AuditEntry
from portal.auditlog import record
from portal.core.db import database


def _record(n, start=0):
    out = []
    for i in range(start, start + n):
        with database.atomic():
            out.append(record(None, "test.touch", "thing", i, {"n": i, "name": "村务"}))
    return out


def test_record_returns_index_and_hex_leaf_hash(db):
    first, second = _record(2)
    assert (first.index, second.index) == (0, 1)
    assert len(first.leaf_hash) == 64 and int(first.leaf_hash, 16) >= 0
    row = AuditEntry.get_by_id(1)
    assert merkle.leaf_hash(bytes(row.entry)).hex() == second.leaf_hash
    assert f'"prev":"{first.leaf_hash}"'.encode() in bytes(row.entry)


def test_record_outside_a_transaction_is_refused(db):
    with pytest.raises(RuntimeError):
        record(None, "test.touch", "thing", 1, {})


def test_failure_after_change_rolls_back_both(db):
    from portal.units.models import Unit
    _record(1)
    before = Unit.select().count()
    with pytest.raises(ZeroDivisionError):
        with database.atomic():
            Unit.create(code="999999999999", name="回滚村", level="village", path="/999999999999/")
            record(None, "unit.create", "unit", "999999999999", {"name": "回滚村"})
            1 / 0
    assert Unit.select().count() == before
    assert log.size() == 1 and AuditEntry.select().count() == 1
    assert _record(1, 1)[0].index == 1  # no gap after the rollback


def test_roots_and_proofs_from_store_match_naive_tree(db):
    entries = _record(23)
    leaves = [bytes.fromhex(e.leaf_hash) for e in entries]
    for n in range(1, 24):
        tree = merkle.CompactRange()
        for leaf in leaves[:n]:
            tree.append(leaf)
        root = log.root(n)
        assert root == tree.root()
        for m in range(n):
            leaf, proof = log.inclusion_proof(m, n)
            assert leaf == leaves[m]
            merkle.verify_inclusion(m, n, leaf, proof, root)
        for m in range(1, n + 1):
            r1, r2, proof = log.consistency_proof(m, n)
            merkle.verify_consistency(m, n, proof, r1, r2)


def test_bad_ranges_are_refused(db):
    _record(3)
    with pytest.raises(log.LogRangeError) as exc:
        log.inclusion_proof(3, 3)
    assert exc.value.code == "index_out_of_range"
    with pytest.raises(log.LogRangeError) as exc:
        log.inclusion_proof(0, 4)
    assert exc.value.code == "size_beyond_log"
    with pytest.raises(log.LogRangeError) as exc:
        log.consistency_proof(3, 2)
    assert exc.value.code == "from_after_to"


def test_append_many_returns_the_entries_as_stored(db):
    """The entries ``append_many`` hands back are what the table holds, as peewee would have built them."""
    import datetime
    import json
    from decimal import Decimal

    from audit.encoding import canonical_json
    items = [{"actor": "系统", "action": "test.touch", "object_type": "thing", "object_id": str(i),
              "payload": {"n": i, "名": "村务", "at": datetime.date(2026, 12, 7), "sum": Decimal("1.50")}}
             for i in range(3)]
    with database.atomic():
        entries = log.append_many(items)
    assert [e.index for e in entries] == [0, 1, 2]
    for entry in entries:
        row = AuditEntry.get_by_id(entry.idx)
        for name, field in AuditEntry._meta.fields.items():
            value, stored = getattr(entry, name), getattr(row, name)
            if isinstance(field, peewee.BlobField):
                value, stored = bytes(value), bytes(stored)
            assert value == stored, name
        assert entry._dirty == set(AuditEntry._meta.fields) and entry.leaf_hash == row.leaf_hash
        assert entry.payload.encode() == canonical_json(items[entry.idx]["payload"]) == json.dumps(
            items[entry.idx]["payload"], sort_keys=True, separators=(",", ":"), ensure_ascii=False,
            default=str).encode()
