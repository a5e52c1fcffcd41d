"""An edit of the unmasked ``title``/``body`` of a published record is caught by
``python -m audit verify --db`` (their salted hash is in the entry, never their
text), and the next correction does not re-publish the tampered text."""
import datetime
import json
import sqlite3
import subprocess
import sys

import requests

from tests.conftest import ROOT
from tests.security.conftest import VILLAGE, bearer, csrf, login


def _verify(server):
    cmd = [sys.executable, "-m", "audit", "verify", "--db", f"sqlite:///{server.instance / 'portal.core.db'}",
           "--quiet", "--sources", "portal.auditlog.sources:load"]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)


def test_raw_column_edit_is_detected_and_not_republished(server):
    h = {u: bearer(server, u) for u in ("clerk_houxi", "supervisor_houxi")}
    r = requests.post(server.url + "/api/v1/publications", headers=h["clerk_houxi"], json={
        "village": VILLAGE, "category": "village", "title": "低保户名单公示",
        "body": "王某某，身份证350528199001011234，联系电话13905951234。"})
    pub = r.json()["id"]
    requests.post(f"{server.url}/api/v1/publications/{pub}/approve", headers=h["supervisor_houxi"])
    published = requests.post(f"{server.url}/api/v1/publications/{pub}/publish", headers=h["clerk_houxi"]).json()
    db = sqlite3.connect(server.instance / "portal.core.db")
    payload = json.loads(db.execute("SELECT payload FROM audit_entry WHERE idx = ?",
                                    (published["audit_index"],)).fetchone()[0])
    assert "13905951234" not in json.dumps(payload) and len(payload["raw_sha256"]) == 64
    ok = _verify(server)
    assert ok.returncode == 0, ok.stderr

    db.execute("UPDATE publication SET body = ? WHERE id = ?", ("王某某，补助改为每月5000元。", pub))
    db.commit()
    db.execute("PRAGMA wal_checkpoint(FULL)")
    db.close()
    bad = _verify(server)
    assert bad.returncode == 1
    assert f"FAIL index {published['audit_index']}" in bad.stderr and "differs from what was logged" in bad.stderr

    # the correction starts from the masked public version, not the tampered column
    s, _ = login(server.url, "clerk_houxi")
    page = s.get(f"{server.url}/p/{pub}/correct").text
    assert "5000元" not in page and "139****1234" in page
    r = requests.post(f"{server.url}/api/v1/publications/{pub}/correct", headers=h["clerk_houxi"],
                      json={"correction_note": "更正联系电话格式。"})
    assert r.status_code == 201, r.text
    db = sqlite3.connect(server.instance / "portal.core.db")
    body = db.execute("SELECT body FROM publication WHERE id = ?", (r.json()["id"],)).fetchone()[0]
    db.close()
    assert "5000元" not in body and "139****1234" in body
