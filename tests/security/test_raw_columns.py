"""An edit of the unmasked ``title``/``body`` of a published record is caught by
``python -m audit verify --db`` (their salted hash is in the entry, never their
text), and the next correction does not re-publish the tampered text. On SQLite
and on PostgreSQL."""
import json
import sqlite3
import subprocess
import sys

import pytest
import requests

from tests.conftest import ROOT, LiveServer
from tests.security.conftest import VILLAGE, bearer, login


class Sqlite:
    def __init__(self, server):
        self.url = f"sqlite:///{server.instance / 'portal.db'}"
        self.path = server.instance / "portal.db"

    def query(self, sql, params=()):
        db = sqlite3.connect(self.path)
        try:
            rows = db.execute(sql, params).fetchall()
            db.commit()
            db.execute("PRAGMA wal_checkpoint(FULL)")
            return rows
        finally:
            db.close()


class Postgres:
    def __init__(self, url):
        self.url = url

    def query(self, sql, params=()):
        import psycopg2
        base, schema = self.url.split("?schema=")
        conn = psycopg2.connect(base, options=f"-c search_path={schema}")
        try:
            with conn, conn.cursor() as cur:
                cur.execute(sql.replace("?", "%s"), params)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()


@pytest.fixture(params=["sqlite", "postgres"])
def target(request, tmp_path):
    """(server, database handle): the module's SQLite server, or a server of its own on PostgreSQL."""
    if request.param == "sqlite":
        server = request.getfixturevalue("server")
        yield server, Sqlite(server)
        return
    pg_url = request.getfixturevalue("pg_url")
    server = LiveServer(tmp_path / "instance", env={"DATABASE_URL": pg_url}).start()
    try:
        yield server, Postgres(pg_url)
    finally:
        server.stop()


def _verify(url):
    cmd = [sys.executable, "-m", "audit", "verify", "--db", url, "--quiet", "--sources", "portal.auditlog.sources:load"]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)


def test_raw_column_edit_is_detected_and_not_republished(target):
    server, db = target
    h = {u: bearer(server, u) for u in ("clerk_houxi", "supervisor_houxi")}
    r = requests.post(server.url + "/api/v1/publications", headers=h["clerk_houxi"], json={
        "village": VILLAGE, "category": "village", "title": "低保户名单公示",
        "body": "王某某，身份证350528199001011234，联系电话13905951234。"})
    pub = r.json()["id"]
    requests.post(f"{server.url}/api/v1/publications/{pub}/approve", headers=h["supervisor_houxi"])
    published = requests.post(f"{server.url}/api/v1/publications/{pub}/publish", headers=h["clerk_houxi"]).json()
    payload = json.loads(db.query("SELECT payload FROM audit_entry WHERE idx = ?", (published["audit_index"],))[0][0])
    assert "13905951234" not in json.dumps(payload) and len(payload["raw_sha256"]) == 64
    ok = _verify(db.url)
    assert ok.returncode == 0, ok.stderr

    db.query("UPDATE publication SET body = ? WHERE id = ?", ("王某某，补助改为每月5000元。", pub))
    bad = _verify(db.url)
    assert bad.returncode == 1
    assert f"FAIL index {published['audit_index']}" in bad.stderr and "differs from what was logged" in bad.stderr

    # the correction starts from the masked public version, not the tampered column
    s, _ = login(server.url, "clerk_houxi")
    page = s.get(f"{server.url}/p/{pub}/correct").text
    assert "5000元" not in page and "139****1234" in page
    r = requests.post(f"{server.url}/api/v1/publications/{pub}/correct", headers=h["clerk_houxi"],
                      json={"correction_note": "更正联系电话格式。"})
    assert r.status_code == 201, r.text
    body = db.query("SELECT body FROM publication WHERE id = ?", (r.json()["id"],))[0][0]
    assert "5000元" not in body and "139****1234" in body
