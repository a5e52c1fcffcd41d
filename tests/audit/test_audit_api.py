"""The audit HTTP API and pages through the Flask client (real SQLite database)."""
import base64

import pytest

from audit import merkle, notes
from portal.auditlog import record
from portal.core.db import database


@pytest.fixture
def logged(app, db):
    app.config["AUDIT_CHECKPOINT_INTERVAL"] = 0
    for i in range(5):
        with database.atomic():
            record(None, "test.touch", "thing", i, {"n": i})
    return app


def test_checkpoint_is_a_signed_note_over_the_tree(logged, client):
    data = client.get("/api/v1/audit/checkpoint").get_json()
    assert data["size"] == 5
    origin, size, root = notes.verify_checkpoint(data["checkpoint"], data["key_name"],
                                                 base64.b64decode(data["public_key"]))
    assert (size, root.hex()) == (5, data["root"])
    tampered = data["checkpoint"].replace("\n5\n", "\n6\n")
    with pytest.raises(notes.NoteError):
        notes.verify_checkpoint(tampered, data["key_name"], base64.b64decode(data["public_key"]))


def test_entries_and_proofs_verify(logged, client):
    cp = client.get("/api/v1/audit/checkpoint").get_json()
    entries = client.get("/api/v1/audit/entries?start=0&limit=10").get_json()["entries"]
    assert [e["index"] for e in entries] == list(range(5))
    for e in entries:
        leaf = merkle.leaf_hash(base64.b64decode(e["leaf"]))
        assert leaf.hex() == e["leaf_hash"]
        p = client.get(f"/api/v1/audit/proof/inclusion?index={e['index']}&size=5").get_json()
        merkle.verify_inclusion(e["index"], 5, leaf, [bytes.fromhex(h) for h in p["proof"]],
                                bytes.fromhex(cp["root"]))
    with database.atomic():
        record(None, "test.touch", "thing", 9, {"n": 9})
    new = client.get("/api/v1/audit/checkpoint").get_json()
    c = client.get("/api/v1/audit/proof/consistency?from=5&to=6").get_json()
    assert c["from_root"] == cp["root"] and c["to_root"] == new["root"]
    merkle.verify_consistency(5, 6, [bytes.fromhex(h) for h in c["proof"]], bytes.fromhex(cp["root"]),
                              bytes.fromhex(new["root"]))
    history = client.get("/api/v1/audit/checkpoints").get_json()["checkpoints"]
    assert [h["size"] for h in history] == [6, 5]


@pytest.mark.parametrize("url, code", [
    ("/api/v1/audit/proof/inclusion?index=5&size=5", "index_out_of_range"),
    ("/api/v1/audit/proof/inclusion?index=0&size=6", "size_beyond_log"),
    ("/api/v1/audit/proof/inclusion?index=x&size=5", "bad_index"),
    ("/api/v1/audit/proof/inclusion?index=-1&size=5", "bad_index"),
    ("/api/v1/audit/proof/inclusion?size=5", "missing_index"),
    ("/api/v1/audit/proof/consistency?from=4&to=3", "from_after_to"),
    ("/api/v1/audit/proof/consistency?from=0&to=3", "bad_from"),
    ("/api/v1/audit/proof/consistency?from=1&to=99", "size_beyond_log"),
    ("/api/v1/audit/proof/consistency?from=1&to=1e3", "bad_to"),
    ("/api/v1/audit/entries?start=0&limit=100000", "bad_limit"),
    ("/api/v1/audit/entries?start=99999999999999999999&limit=1", "bad_start"),
    ("/api/v1/audit/checkpoints?limit=0", "bad_limit"),
])
def test_bad_ranges_are_400_with_a_code(logged, client, url, code):
    res = client.get(url)
    assert res.status_code == 400
    assert res.get_json()["error"]["code"] == code


def test_pages(logged, client):
    page = client.get("/audit").get_data(as_text=True)
    assert "审计日志" in page and "sunlight-village-portal/audit+" in page
    entry = client.get("/audit/entry/3").get_data(as_text=True)
    assert 'data-audit-index="3"' in entry and "audit/verify.js" in entry
    assert client.get("/audit/entry/99").status_code == 404


def test_signing_key_is_encrypted_and_owner_only(logged, client, tmp_path):
    import os
    import stat
    from audit.models import AuditKey
    client.get("/api/v1/audit/checkpoint")
    key = AuditKey.get()
    assert "ENCRYPTED PRIVATE KEY" in key.private_pem
    secret = tmp_path / "instance.audit-passphrase"  # beside the instance folder, never inside it
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    assert not (tmp_path / "instance" / "audit_key.secret").exists()


def test_audit_paths_in_openapi_document(app):
    from portal.core import openapi
    paths = openapi.document()["paths"]
    for path in ("/api/v1/audit/checkpoint", "/api/v1/audit/entries", "/api/v1/audit/proof/inclusion",
                 "/api/v1/audit/proof/consistency", "/api/v1/audit/checkpoints"):
        assert path in paths
