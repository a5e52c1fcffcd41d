"""Tampering with a log is detected by verify and pinpointed to the first bad index."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from audit import verify
from audit.models import AuditEntry, AuditHead
from audit.sources import unregister
from audit.verify import VerifyError
from portal.auditlog import record, register_source
from portal.auditlog.services import current_checkpoint
from portal.core.db import database, release_idle
from portal.units.models import Unit

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("scan_loop")  # every verdict with the C and the Python loop


TEST_TYPE = "test_unit"  # not the portal's own "unit" type, whose entries carry the whole unit


def _unit_source(entry):
    unit = Unit.get_or_none(Unit.code == entry.object_id)
    if unit is None:
        raise LookupError(entry.object_id)
    return {"name": unit.name}


@pytest.fixture
def log12(app, db):
    """Twelve audited unit creations and a signed checkpoint over them."""
    app.config["AUDIT_CHECKPOINT_INTERVAL"] = 0
    register_source(TEST_TYPE, _unit_source)
    for i in range(12):
        code = f"9{i:011d}"
        with database.atomic():
            Unit.create(code=code, name=f"测试村{i}", level="village", path=f"/{code}/")
            record(None, "unit.create", TEST_TYPE, code, {"name": f"测试村{i}"})
    with app.app_context():
        current_checkpoint()
    yield app
    unregister(TEST_TYPE)


def _fail(**kw):
    with pytest.raises(VerifyError) as exc:
        verify.verify_database(progress=False, **kw)
    return exc.value


def test_untouched_log_verifies(log12):
    assert verify.verify_database(progress=False) == 12


def test_flipped_byte_in_entry(log12):
    row = AuditEntry.get_by_id(5)
    data = bytearray(bytes(row.entry))
    data[30] ^= 1
    AuditEntry.update(entry=bytes(data)).where(AuditEntry.idx == 5).execute()
    err = _fail()
    assert err.index == 5 and "leaf hash" in err.message


def test_rewritten_entry_with_recomputed_hash_breaks_chain(log12):
    from audit import merkle
    data = bytes(AuditEntry.get_by_id(5).entry).replace(b"unit.create", b"unit.delete")
    AuditEntry.update(entry=data, leaf=merkle.leaf_hash(data)).where(AuditEntry.idx == 5).execute()
    err = _fail()
    assert err.index == 5 and "node" in err.message


def test_edited_published_row(log12):
    Unit.update(name="改过的村").where(Unit.code == "900000000007").execute()
    err = _fail()
    assert err.index == 7 and "differs from what was logged" in err.message


def test_deleted_published_row(log12):
    Unit.delete().where(Unit.code == "900000000002").execute()
    err = _fail()
    assert err.index == 2 and "is gone" in err.message


def test_deleted_entry(log12):
    AuditEntry.delete().where(AuditEntry.idx == 4).execute()
    err = _fail()
    assert err.index == 4 and "missing" in err.message


def test_swapped_entries(log12):
    a, b = AuditEntry.get_by_id(3), AuditEntry.get_by_id(8)
    AuditEntry.delete().where(AuditEntry.idx.in_([3, 8])).execute()
    for new_idx, row in ((3, b), (8, a)):
        AuditEntry.create(idx=new_idx, entry=row.entry, leaf=row.leaf, nodes=row.nodes, payload=row.payload,
                          action=row.action, object_type=row.object_type, object_id=row.object_id)
    err = _fail()
    assert err.index == 3 and "claims index 8" in err.message


def test_inserted_entry(log12):
    from audit import log
    rows = list(AuditEntry.select().where(AuditEntry.idx >= 6).order_by(AuditEntry.idx.desc()))
    for row in rows:
        AuditEntry.update(idx=row.idx + 1).where(AuditEntry.idx == row.idx).execute()
    forged = log.canonical_json(log.entry_fields(6, "2020-01-01T00:00:00.000000Z", None, "unit.create", TEST_TYPE,
                                                 "900000000099", "0" * 64, [], AuditEntry.get_by_id(5).leaf_hash))
    from audit import merkle
    AuditEntry.create(idx=6, entry=forged, leaf=merkle.leaf_hash(forged), nodes=b"", payload="{}",
                      action="unit.create", object_type=TEST_TYPE, object_id="900000000099")
    err = _fail()
    assert err.index == 6


def test_cut_tail(log12):
    AuditEntry.delete().where(AuditEntry.idx >= 9).execute()
    AuditHead.update(size=9).execute()
    err = _fail()
    assert err.index == 9 and "gone" in err.message


def test_forged_checkpoint_signature(log12):
    from audit.models import AuditCheckpoint
    cp = AuditCheckpoint.get()
    AuditCheckpoint.update(note=cp.note.replace("\n12\n", "\n11\n")).execute()
    err = _fail()
    assert "signature" in err.message


def test_restored_older_copy_is_caught_by_a_saved_checkpoint(log12, tmp_path):
    from audit import notes
    db_path = Path(log12.config["DATABASE_URL"][len("sqlite:///"):])
    database.execute_sql("PRAGMA wal_checkpoint(FULL)")
    old_copy = tmp_path / "old.db"
    shutil.copy(db_path, old_copy)
    for i in range(12, 15):
        with database.atomic():
            record(None, "test.touch", "thing", i, {"n": i})
    with log12.app_context():
        cp = current_checkpoint()
    resident_saved = verify.load_saved(cp.note, notes.vkey(cp.key.name, bytes(cp.key.public_key)))
    assert verify.verify_database(progress=False, saved=[resident_saved]) == 15
    database.close()
    release_idle(database.obj)  # as a stopped process: no pooled connection keeps the old file open
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    shutil.copy(old_copy, db_path)
    database.connect()
    err = _fail(saved=[resident_saved])
    assert err.index == 12 and "gone" in err.message


def test_cli_exit_codes(log12):
    url = log12.config["DATABASE_URL"]
    database.execute_sql("PRAGMA wal_checkpoint(FULL)")
    cmd = [sys.executable, "-m", "audit", "verify", "--db", url, "--quiet",
           "--sources", "portal.auditlog.sources:load"]
    ok = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "OK: 12 entries" in ok.stdout
    data = bytearray(bytes(AuditEntry.get_by_id(7).entry))
    data[-5] ^= 1
    AuditEntry.update(entry=bytes(data)).where(AuditEntry.idx == 7).execute()
    database.execute_sql("PRAGMA wal_checkpoint(FULL)")
    bad = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert "FAIL index 7: stored leaf hash" in bad.stderr
