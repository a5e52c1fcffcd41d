"""The public log names nobody by login name (a login name may be a mobile
number): residents appear masked or by pseudonym, staff by role and unit; older
entries that hold a login name keep their bytes and stay verifiable but are
not served."""
import base64
import datetime
import json
import subprocess
import sys

import requests

from tests.conftest import ROOT, LiveServer, make_app
from tests.security.conftest import VILLAGE, bearer


def _all_entries(url):
    out, start = [], 0
    while True:
        page = requests.get(url + "/api/v1/audit/entries", params={"start": start, "limit": 1000}).json()
        out += page["entries"]
        if len(out) >= page["size"] or not page["entries"]:
            return out
        start = out[-1]["index"] + 1


def _usernames(instance):
    import sqlite3
    db = sqlite3.connect(instance / "portal.db")
    names = [r[0] for r in db.execute("SELECT username FROM user")]
    db.close()
    return names


def test_objectors_and_staff_are_not_named_by_login(tmp_path):
    # an instance whose log already holds an entry written the old way (actor = login name)
    app = make_app(tmp_path)
    from audit import log
    from portal.core.db import database
    from tests.conftest import load_demo_for
    database.connect(reuse_if_open=True)
    load_demo_for(app)
    with database.atomic():
        legacy = log.append("resident_houxi", "publication.objection", "objection", "0", {"text": "旧异议"})
    database.close()
    server = LiveServer(tmp_path / "instance").start()
    try:
        h = {u: bearer(server, u) for u in ("clerk_houxi", "supervisor_houxi", "resident_houxi")}
        today = datetime.date.today()
        r = requests.post(server.url + "/api/v1/publications", headers=h["clerk_houxi"], json={
            "village": VILLAGE, "category": "pre", "title": "道路硬化比选公示", "body": "比选结果如下。",
            "period_start": (today - datetime.timedelta(days=1)).isoformat(),
            "period_end": (today + datetime.timedelta(days=6)).isoformat()})
        pub = r.json()["id"]
        requests.post(f"{server.url}/api/v1/publications/{pub}/approve", headers=h["supervisor_houxi"])
        requests.post(f"{server.url}/api/v1/publications/{pub}/publish", headers=h["clerk_houxi"])
        obj = requests.post(f"{server.url}/api/v1/publications/{pub}/objections", headers=h["resident_houxi"],
                            json={"text": "报价过程不公开，我有异议。"}).json()["id"]
        r = requests.post(f"{server.url}/api/v1/objections/{obj}/moderate", headers=h["supervisor_houxi"],
                          json={"decision": "reject", "note": "与本公示无关。"})
        assert r.status_code == 200, r.text

        entries = _all_entries(server.url)
        names = _usernames(server.instance)
        by_action = {e["action"]: e for e in entries if e["index"] > legacy.index}
        objection = by_action["publication.objection"]
        assert objection["actor"].startswith("村民·"), objection
        assert by_action["publication.publish"]["actor"] == "村务发布员·后溪村"
        assert by_action["publication.objection_moderate"]["actor"] == "村务监督委员会成员·后溪村"
        old = next(e for e in entries if e["index"] == legacy.index)
        assert old["redacted"] is True and old["leaf"] is None and old["actor"].startswith("村民·")
        for e in entries:
            text = base64.b64decode(e["leaf"]).decode() if e["leaf"] else ""
            actor = json.loads(text)["actor"] if text else None
            assert actor not in names and e["actor"] not in names, e
        for index in (objection["index"], legacy.index):
            page = requests.get(f"{server.url}/audit/entry/{index}").text
            assert "resident_houxi" not in page and "村民·" in page
        page = requests.get(f"{server.url}/audit").text
        assert not any(f">{n}<" in page or f" {n} " in page for n in names)

        # still verifiable from the public API, the withheld entry by its leaf hash
        requests.get(server.url + "/api/v1/audit/checkpoint")
        result = subprocess.run([sys.executable, "-m", "audit", "verify", "--url", server.url, "--quiet"],
                                cwd=str(ROOT), capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    finally:
        server.stop()

