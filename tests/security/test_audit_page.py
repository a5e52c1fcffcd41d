"""The audit page offers the current checkpoint as a file to keep (the outside copy that catches a cut log)."""
from pathlib import Path

import requests

from tests.conftest import ROOT, browser_login  # noqa: F401 (fixtures from the root conftest)

SHOTS = Path("/tmp/shots/security")


def test_checkpoint_download_link(server, phone):
    requests.get(server.url + "/api/v1/audit/checkpoint")
    phone.goto(server.url + "/audit")
    link = phone.locator("#checkpoint-download")
    assert link.inner_text() == "下载并保存当前检查点"
    with phone.expect_download() as info:
        link.click()
    note = Path(info.value.path()).read_text(encoding="utf-8")
    current = requests.get(server.url + "/api/v1/audit/checkpoint").json()
    assert note.startswith(current["checkpoint"].split("\n")[0]) and "\n— " in note
    assert info.value.suggested_filename.startswith("checkpoint-")
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "audit_index.png"), full_page=True)
    entries = requests.get(server.url + "/api/v1/audit/entries", params={"limit": 5}).json()["entries"]
    phone.goto(f"{server.url}/audit/entry/{entries[-1]['index']}")
    phone.screenshot(path=str(SHOTS / "audit_entry.png"), full_page=True)
    browser_login(phone, server.url, "admin")
    phone.goto(server.url + "/admin/users")
    phone.fill("input[name=username]", "shot_clerk")
    phone.select_option("select[name=role]", "clerk")
    phone.fill("input[name=unit]", "350528100200")
    phone.click("form.stack button[type=submit]")
    phone.wait_for_selector("#created-user")
    phone.screenshot(path=str(SHOTS / "admin_user_created.png"))
