"""评标 on the clerk's phone: each bid judged valid or disqualified (with its reason) from the project page,
posted to the same service as the API; a disqualification without a reason is refused, nothing written."""
import datetime
import os
import time

import requests

from tests.conftest import browser_login

HOUXI = "350528100200"
SHOTS = "/tmp/shots/projects"


def _soon(seconds):
    return (datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8)))
            + datetime.timedelta(seconds=seconds)).isoformat(timespec="seconds")


def test_clerk_records_the_evaluation_on_the_page(module_server, phone):
    url = module_server.url
    auth = {"Authorization": f"Bearer {module_server.token('clerk_houxi')}"}
    made = requests.post(f"{url}/api/v1/projects", headers=auth, json={
        "village": HOUXI, "title": "后溪村评标测试工程", "budget": "50000", "decision": "村两委会议决定"})
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    deadline = time.time() + 6
    assert requests.post(f"{url}/api/v1/projects/{pid}/tender", headers=auth, json={"deadline": _soon(6)}).ok
    delivered = _soon(1)  # after the notice is out: a bid may not be received before it (a slow machine's POST)
    time.sleep(max(0, deadline - time.time()) + 1.2)
    bids = []
    for bidder, amount in (("甲建设有限公司", "45000"), ("乙工程队", "43000"), ("丙建筑公司", "47000")):
        r = requests.post(f"{url}/api/v1/projects/{pid}/bids", headers=auth,
                          json={"bidder": bidder, "amount": amount, "received_at": delivered})
        assert r.status_code == 201, r.text
        bids.append(r.json()["id"])

    browser_login(phone, url, "clerk_houxi")
    phone.goto(f"{url}/projects/{pid}")
    phone.click("#staff summary:has-text('评标')")
    form = phone.locator("#staff form:has(select[name^=verdict-])")
    assert form.locator("fieldset.verdict").count() == 3
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    os.makedirs(SHOTS, exist_ok=True)
    phone.screenshot(path=f"{SHOTS}/evaluation_form.png", full_page=True)

    # disqualified without a reason: refused, said, nothing written
    form.locator(f"select[name=verdict-{bids[1]}]").select_option("disqualified")
    form.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    assert "无效原因" in phone.inner_text("body")
    view = requests.get(f"{url}/api/v1/projects/{pid}").json()
    assert view["state"] == "opening"

    phone.click("#staff summary:has-text('评标')")
    form = phone.locator("#staff form:has(select[name^=verdict-])")
    form.locator(f"select[name=verdict-{bids[1]}]").select_option("disqualified")
    form.locator(f"input[name=reason-{bids[1]}]").fill("未按要求提供资质证书")
    form.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    body = phone.inner_text("body")
    assert "已办理：评标" in body and "已评标" in body and "未按要求提供资质证书" in body
    view = requests.get(f"{url}/api/v1/projects/{pid}").json()
    assert view["state"] == "evaluated"
    status = {b["id"]: (b["status"], b.get("reason")) for b in view["bids"]}
    assert status[bids[1]] == ("disqualified", "未按要求提供资质证书")
    assert status[bids[0]][0] == status[bids[2]][0] == "valid"
    # the evaluation is a public step with its release, as from the API
    releases = requests.get(f"{url}/api/v1/projects/{pid}/ocds").json()["records"][0]["releases"]
    judged = [r for r in releases if r["tag"] == ["tenderUpdate"] and len(r.get("bids", {}).get("details", [])) == 3]
    assert judged and {d["id"]: d["status"] for d in judged[-1]["bids"]["details"]} == {
        str(bids[0]): "valid", str(bids[1]): "disqualified", str(bids[2]): "valid"}

    phone.goto(f"{url}/projects/{pid}?lang=en")
    phone.click("#staff summary:has-text('Evaluation')") if phone.locator(
        "#staff summary:has-text('Evaluation')").count() else None
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
