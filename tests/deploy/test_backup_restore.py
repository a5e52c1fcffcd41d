"""Backups that verify: snapshot a running portal, restore it (also on a new machine), check the log."""
import shutil
import time

import requests

from tests.conftest import LiveServer
from tests.deploy.helpers import audit_verify, found_soon, publish, search_ids


def test_backup_restore_verifies_and_rebuilds_the_index(tmp_path):
    server = LiveServer(tmp_path / "instance").start()
    try:
        clerk, sup = server.token("clerk_houxi"), server.token("supervisor_houxi")
        kept = publish(server.url, clerk, sup, "备份前的水渠维修公示")
        before = requests.get(server.url + "/api/v1/audit/checkpoint", timeout=10).json()
        done = server.cli("backup", str(tmp_path / "snapshot.db"))
        assert done.returncode == 0, done.stderr
        lost = publish(server.url, clerk, sup, "备份后的路灯更换公示")
        assert found_soon(server.url, "路灯更换", lost)
    finally:
        server.stop()

    # refuses what is not a portal backup, and changes nothing
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    done = server.cli("restore", "--yes", str(tmp_path / "junk.db"))
    assert done.returncode != 0 and "not a SQLite database" in done.stderr

    done = server.cli("restore", "--yes", str(tmp_path / "snapshot.db"))
    assert done.returncode == 0, done.stderr
    assert "search index rebuilt" in done.stdout
    code, out = audit_verify(f"sqlite:///{server.instance / 'portal.db'}")
    assert code == 0, out

    server.start()
    try:
        assert kept in search_ids(server.url, "水渠维修")
        assert search_ids(server.url, "路灯更换") == []  # written after the snapshot: gone with it, also from the index
        after = requests.get(server.url + "/api/v1/audit/checkpoint", timeout=10).json()
        assert after["public_key"] == before["public_key"]
    finally:
        server.stop()


def test_restore_on_a_new_machine_with_the_key_material(tmp_path):
    """The signing key lives encrypted in the database; its passphrase in ``<instance>.audit-passphrase``.

    Restoring both onto a fresh instance keeps signing with the same key, so
    checkpoints saved by the public before the loss still verify against it.
    """
    old = LiveServer(tmp_path / "old" / "instance").start()
    try:
        clerk, sup = old.token("clerk_houxi"), old.token("supervisor_houxi")
        publish(old.url, clerk, sup, "原服务器上的公示")
        saved = requests.get(old.url + "/api/v1/audit/checkpoint", timeout=10).json()
        assert old.cli("backup", str(tmp_path / "snapshot.db")).returncode == 0
    finally:
        old.stop()
    keys = tmp_path / "keys"
    keys.mkdir()
    # what docs/deploy.md says to keep with the backup (not beside it)
    shutil.copy2(old.instance.parent / "instance.audit-passphrase", keys / "audit-passphrase")
    shutil.copy2(old.instance / "secret_key", keys / "secret_key")

    new = LiveServer(tmp_path / "new" / "instance", demo=False)
    new.instance.mkdir(parents=True)
    shutil.copy2(keys / "audit-passphrase", new.instance.parent / "instance.audit-passphrase")
    shutil.copy2(keys / "secret_key", new.instance / "secret_key")
    done = new.cli("restore", "--yes", str(tmp_path / "snapshot.db"))
    assert done.returncode == 0, done.stderr
    new.start()
    try:
        clerk, sup = new.token("clerk_houxi"), new.token("supervisor_houxi")
        publish(new.url, clerk, sup, "新服务器上的公示")
        deadline = time.time() + 15  # the checkpointer signs the grown log within its interval
        while True:
            now = requests.get(new.url + "/api/v1/audit/checkpoint", timeout=10).json()
            if now["size"] > saved["size"] or time.time() > deadline:
                break
            time.sleep(0.3)
        assert now["public_key"] == saved["public_key"]
        assert now["size"] > saved["size"]
        proof = requests.get(new.url + "/api/v1/audit/proof/consistency",
                             params={"from": saved["size"], "to": now["size"]}, timeout=10).json()
        assert proof["from_root"] == saved["root"]
    finally:
        new.stop()
    code, out = audit_verify(f"sqlite:///{new.instance / 'portal.db'}")
    assert code == 0, out
