"""The process end to end through the fixed API on a real server; OCDS packages validated."""
import datetime
import time

import pytest
import requests

from tests.projects.ocds_check import validate_record_package, validate_release_package

HOUXI = "350528100200"


@pytest.fixture(scope="module")
def site(module_server):
    return module_server.url, {"Authorization": f"Bearer {module_server.token('clerk_houxi')}"}, \
        {"Authorization": f"Bearer {module_server.token('clerk_shicheng')}"}


def _soon(seconds=2):
    return (datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8)))
            + datetime.timedelta(seconds=seconds)).isoformat(timespec="seconds")


def _project(url, auth, budget="86000.00", title="后溪村村道硬化工程"):
    made = requests.post(f"{url}/api/v1/projects", headers=auth, json={
        "village": HOUXI, "title": title, "budget": budget, "description": "硬化村道 600 米",
        "funding_source": "上级补助", "decision": "2026年村两委会议决定"})
    assert made.status_code == 201, made.text
    return made.json()


def test_whole_process_from_project_to_payment(site):
    url, auth, _other = site
    project = _project(url, auth)
    pid = project["id"]
    assert project["procedure"] == "quotes" and project["ocid"].startswith(f"ocds-xxxxxx-{HOUXI}-P")
    assert _project(url, auth, "450000")["procedure"] == "invited"
    assert _project(url, auth, "1500000")["procedure"] == "open"

    deadline = time.time() + 4
    r = requests.post(f"{url}/api/v1/projects/{pid}/tender", headers=auth,
                      json={"deadline": _soon(4), "description": "欢迎具备资质的单位报价"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "tendering" and r.json()["publication_id"]
    delivered = _soon(1)  # the envelopes came in before the deadline
    pub = requests.get(f"{url}/api/v1/publications/{r.json()['publication_id']}").json()
    assert "招标公告" in str(pub)

    offers = (("泉州宏达建设有限公司", "91350500MA2XYB1234", "82000.00"),
              ("清源县路通工程队", "91350528MA31ABCD5X", "79500.00"),
              ("南岭建筑有限公司", "91350528MA32EFGH6Y", "84000.50"))
    for path, body in (("opening", {}), ("bids", {"bidder": offers[0][0], "amount": offers[0][2]})):
        early = requests.post(f"{url}/api/v1/projects/{pid}/{path}", headers=auth, json=body)
        assert early.status_code == 409 and early.json()["error"]["code"] == "before_deadline", early.text
    assert requests.get(f"{url}/api/v1/projects/{pid}").json()["state"] == "tendering"  # nothing opened, nothing read
    time.sleep(max(0, deadline - time.time()) + 1.2)

    bids = []
    for bidder, code, amount in offers:
        b = requests.post(f"{url}/api/v1/projects/{pid}/bids", headers=auth,
                          json={"bidder": bidder, "credit_code": code, "amount": amount, "received_at": delivered})
        assert b.status_code == 201, b.text
        assert b.json()["late"] is False and b.json()["live_seq"]
        bids.append(b.json()["id"])
    view = requests.get(f"{url}/api/v1/projects/{pid}").json()
    assert view["state"] == "opening" and view["opening_url"]
    meeting = requests.get(f"{url}/api/v1/meetings/{view['meeting_id']}/items").json()
    prices = [i["data"]["price"] for i in meeting["items"] if i["kind"] == "bid_price"]
    assert prices == ["82000.00", "79500.00", "84000.50"]

    late = requests.post(f"{url}/api/v1/projects/{pid}/bids", headers=auth,
                         json={"bidder": "迟到建设公司", "amount": "70000"})
    assert late.status_code == 201 and late.json()["late"] is True
    r = requests.post(f"{url}/api/v1/projects/{pid}/evaluation", headers=auth, json={"bids": [
        {"bid": late.json()["id"], "status": "disqualified", "reason": "逾期送达"}]})
    assert r.status_code == 200, r.text
    stranger = requests.post(f"{url}/api/v1/projects/{pid}/award", headers=auth, json={"bid": 999999})
    assert stranger.status_code == 400 and stranger.json()["error"]["code"] == "unknown_bid"
    no_reason = requests.post(f"{url}/api/v1/projects/{pid}/award", headers=auth, json={"bid": bids[0]})
    assert no_reason.json()["error"]["code"] == "reason_required"
    r = requests.post(f"{url}/api/v1/projects/{pid}/award", headers=auth, json={"bid": bids[1]})
    assert r.status_code == 200 and r.json()["award_amount"] == "79500.00"

    pay_early = requests.post(f"{url}/api/v1/projects/{pid}/payments", headers=auth,
                              json={"amount": "100.00", "paid_on": "2026-12-01"})
    assert pay_early.status_code == 409 and pay_early.json()["error"]["code"] == "bad_state"
    today = (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).date().isoformat()
    bad_money = requests.post(f"{url}/api/v1/projects/{pid}/contract", headers=auth,
                              json={"amount": "七万", "signed_on": today})
    assert bad_money.status_code == 400 and bad_money.json()["error"]["code"] == "bad_amount"
    assert requests.post(f"{url}/api/v1/projects/{pid}/contract", headers=auth,
                         json={"amount": "79500.00", "signed_on": today}).status_code == 200
    amend = requests.post(f"{url}/api/v1/projects/{pid}/amendments", headers=auth,
                          json={"amount": "92000.00", "reason": "增加排水沟 80 米"})
    assert amend.status_code == 201, amend.text
    assert requests.post(f"{url}/api/v1/projects/{pid}/acceptance", headers=auth, json={}).status_code == 201
    entries = {v: requests.get(f"{url}/api/v1/ledger/entries", params={"village": v}).json()["entries"]
               for v in (HOUXI, "350528100210")}
    foreign = requests.post(f"{url}/api/v1/projects/{pid}/payments", headers=auth,
                            json={"amount": "95000.00", "paid_on": today, "ledger_entry": entries["350528100210"][0]["id"]})
    assert foreign.status_code == 400 and foreign.json()["error"]["code"] == "unknown_ledger_entry"
    own = entries[HOUXI][0]["id"]
    pay = requests.post(f"{url}/api/v1/projects/{pid}/payments", headers=auth,
                        json={"amount": "95000.00", "paid_on": today, "ledger_entry": own})
    assert pay.status_code == 201 and pay.json()["ledger_entry"] == own

    package = requests.get(f"{url}/api/v1/projects/{pid}/ocds").json()
    validate_record_package(package)
    compiled = package["records"][0]["compiledRelease"]
    assert compiled["awards"][0]["value"] == {"amount": 79500.0, "currency": "CNY"}
    assert compiled["contracts"][0]["value"]["amount"] == 92000.0
    paid = compiled["contracts"][0]["implementation"]["transactions"][0]
    assert paid["uri"].endswith(f"/api/v1/ledger/entries/{own}")  # the payment's voucher in the ledger
    assert len(compiled["bids"]["details"]) == 4
    assert {r["tag"][0] for r in package["records"][0]["releases"]} >= {
        "planning", "tender", "tenderUpdate", "award", "contract", "contractAmendment", "implementation"}

    rel = requests.get(f"{url}/api/v1/ocds/releases", params={"village": HOUXI}).json()
    validate_release_package(rel)
    assert any(r["ocid"] == project["ocid"] for r in rel["releases"])
    bulk = requests.get(f"{url}/api/v1/ocds/bulk/350528000000.json").json()
    validate_release_package(bulk)

    page = requests.get(view["url"])
    assert page.status_code == 200 and "清源县路通工程队" in page.text and "R069" in page.text
    assert "R068" in page.text  # paid 95000 above 92000


def test_bad_input_writes_nothing(site):
    url, auth, other = site
    for body, code in (({"village": HOUXI, "title": "x", "budget": "12.345"}, "bad_budget"),
                       ({"village": HOUXI, "title": "x", "budget": "abc"}, "bad_budget"),
                       ({"village": "999", "title": "x", "budget": "100"}, "bad_village")):
        r = requests.post(f"{url}/api/v1/projects", headers=auth, json=body)
        assert r.json()["error"]["code"] == code, r.text
    pid = _project(url, auth)["id"]
    before = requests.get(f"{url}/api/v1/projects/{pid}").json()
    r = requests.post(f"{url}/api/v1/projects/{pid}/contract", headers=auth, json={"amount": "1", "signed_on": "2026-12-01"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "bad_state" and "定标" in r.json()["error"]["message"]
    r = requests.post(f"{url}/api/v1/projects/{pid}/award", headers=auth, json={"bid": 1})
    assert r.status_code == 409
    r = requests.post(f"{url}/api/v1/projects/{pid}/tender", headers=other, json={"deadline": _soon(60)})
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_allowed"
    r = requests.post(f"{url}/api/v1/projects/{pid}/tender", headers=auth, json={"deadline": "2020-01-01T09:00"})
    assert r.json()["error"]["code"] == "deadline_passed"
    assert requests.post(f"{url}/api/v1/projects/{pid}/tender", json={"deadline": _soon(60)}).status_code == 401
    after = requests.get(f"{url}/api/v1/projects/{pid}").json()
    assert after["audit_index"] == before["audit_index"] and after["state"] == "planned"
    package = requests.get(f"{url}/api/v1/projects/{pid}/ocds").json()
    assert len(package["records"][0]["releases"]) == 1


def test_openapi_lists_the_fixed_points(site):
    url, _a, _o = site
    paths = requests.get(f"{url}/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/projects", "/api/v1/projects/{id}/tender", "/api/v1/projects/{id}/bids",
            "/api/v1/projects/{id}/award", "/api/v1/projects/{id}/contract", "/api/v1/projects/{id}/amendments",
            "/api/v1/projects/{id}/payments", "/api/v1/projects/{id}/ocds", "/api/v1/ocds/releases"} <= set(paths)
