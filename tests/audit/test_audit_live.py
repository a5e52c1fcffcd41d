"""Against a real server: key rotation entries, the browser check, verify over HTTP and the database."""
import base64
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from audit import notes
from tests.conftest import LiveServer

ROOT = Path(__file__).resolve().parents[2]


def _verify(*args):
    return subprocess.run([sys.executable, "-m", "audit", "verify", "--quiet", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)


def _rotate(server, times):
    for _ in range(times):
        result = server.cli("audit-rotate-key")
        assert result.returncode == 0, result.stderr
        assert "new audit key:" in result.stdout


def _checkpoint_of_size(server, size, timeout=10):
    deadline = time.time() + timeout
    while True:
        cp = requests.get(server.url + "/api/v1/audit/checkpoint", timeout=10).json()
        if cp["size"] == size or time.time() > deadline:
            return cp
        time.sleep(0.2)


@pytest.fixture
def fresh_server(tmp_path):
    """A server without the demo county: this test counts the log's entries from zero
    (domains' demo content, e.g. publications, writes audit entries of its own)."""
    server = LiveServer(tmp_path / "instance", demo=False).start()
    yield server
    server.stop()


def test_browser_check_and_verify_over_http(fresh_server, phone, tmp_path):
    _rotate(fresh_server, 3)
    cp = _checkpoint_of_size(fresh_server, 3)  # each rotation is another process; the server signs in batches
    assert cp["size"] == 3
    vkey = notes.vkey(cp["key_name"], base64.b64decode(cp["public_key"]))

    phone.goto(fresh_server.url + "/audit/entry/1")
    phone.click(".audit-verify")
    phone.wait_for_selector(".audit-result.audit-ok")
    assert "核验通过" in phone.inner_text(".audit-result")

    def tamper(route):
        body = route.fetch().json()
        first = body["proof"][0]
        body["proof"][0] = ("0" if first[0] != "0" else "1") + first[1:]
        route.fulfill(json=body)
    phone.route("**/api/v1/audit/proof/inclusion*", tamper)
    phone.click(".audit-verify")
    phone.wait_for_selector(".audit-result.audit-fail")
    assert "核验失败" in phone.inner_text(".audit-result")

    saved = tmp_path / "checkpoint.txt"
    first = _verify("--url", fresh_server.url, "--key", vkey, "--save", str(saved))
    assert first.returncode == 0, first.stderr + first.stdout
    assert "OK: 3 entries" in first.stdout
    _rotate(fresh_server, 1)  # the new key signs the new checkpoint; the saved one was by the old key
    cp = _checkpoint_of_size(fresh_server, 4)  # the API may serve a checkpoint up to 1 s old
    new_vkey = notes.vkey(cp["key_name"], base64.b64decode(cp["public_key"]))
    later = _verify("--url", fresh_server.url, "--key", vkey, "--checkpoint", str(saved))
    assert later.returncode == 1 and "no signature by key" not in later.stdout
    assert "current checkpoint" in later.stderr  # signed by the rotated key, not the one we pinned
    again = _verify("--url", fresh_server.url, "--key", new_vkey)
    assert again.returncode == 0, again.stderr

    db = _verify("--db", f"sqlite:///{fresh_server.instance / 'portal.db'}",
                 "--sources", "portal.auditlog.sources:load")
    assert db.returncode == 0, db.stderr
    assert "OK: 4 entries" in db.stdout
