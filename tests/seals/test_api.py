"""The fixed API points (API.md "Seals") against a real server: writes, refusals that write nothing,
masking, the certificate list, decisions linked by id, returns of a seal taken out."""
import datetime

import requests

from portal.core.clock import today
from tests.seals.conftest import HOUXI, SHICHENG, audit_size, new_seal, use_body


def test_register_a_seal_and_refuse_keeper_as_approver(site):
    url, auth = site
    seal = new_seal(url, auth)
    assert seal["state"] == "in_use" and seal["keeper"] == "甲保管" and seal["url"].endswith(f"/seals/seal/{seal['id']}")
    assert isinstance(seal["audit_index"], int)
    before = audit_size(url)
    same = requests.post(f"{url}/api/v1/seals", headers=auth["clerk_houxi"], json={
        "village": HOUXI, "name": "x章", "kind": "other", "keeper": "张三", "approver": "张三"})
    assert same.status_code == 400 and same.json()["error"]["code"] == "keeper_is_approver"
    assert "同一人" in same.json()["error"]["message"]
    other = requests.post(f"{url}/api/v1/seals", headers=auth["clerk_shicheng"], json={
        "village": HOUXI, "name": "x章", "kind": "other", "keeper": "张三", "approver": "李四"})
    assert other.status_code == 403 and other.json()["error"]["code"] == "not_allowed"
    assert requests.post(f"{url}/api/v1/seals", json={"village": HOUXI}).status_code == 401
    assert audit_size(url) == before
    listed = requests.get(f"{url}/api/v1/seals", params={"village": HOUXI}).json()
    assert seal["id"] in [s["id"] for s in listed["seals"]] and listed["total"] == len(listed["seals"])


def test_record_a_use_public_and_masked(site):
    url, auth = site
    seal = new_seal(url, auth)
    made = requests.post(f"{url}/api/v1/seal-uses", headers=auth["clerk_houxi"], json=use_body(
        seal["id"], purpose="为村民（身份证350528195509233023，电话13905951299）开具居住情况证明",
        certificate="居住情况证明"))
    assert made.status_code == 201, made.text
    use = made.json()
    assert use["applicant"] == "王某" and "王大明" not in str(use)
    assert "350528195509233023" not in str(use) and "13905951299" not in str(use)
    assert use["certificate"] == "residence" and use["certificate_kind"] == "may_issue"
    assert use["keeper"] == "甲保管" and use["approver"] == "乙审批" and use["used_on"] == "2026-11-02"
    assert use["recorded_at"].endswith("+08:00") and use["url"].endswith(f"/r/seal_use/{use['id']}")
    listed = requests.get(f"{url}/api/v1/seal-uses", params={"village": HOUXI, "seal": seal["id"]}).json()
    assert [u["id"] for u in listed["seal_uses"]] == [use["id"]] and listed["total"] == 1
    assert requests.get(f"{url}/api/v1/seal-uses/{use['id']}").json()["id"] == use["id"]
    page = requests.get(use["url"])
    assert page.status_code == 200 and "350528195509233023" not in page.text and "王大明" not in page.text
    other = requests.get(f"{url}/api/v1/seal-uses", params={"village": SHICHENG}).json()["seal_uses"]
    assert use["id"] not in [u["id"] for u in other]


def test_bad_input_is_refused_in_chinese_and_nothing_is_written(site):
    url, auth = site
    seal = new_seal(url, auth)
    dead = new_seal(url, auth, name="已销毁的章")
    destroyed = requests.post(f"{url}/api/v1/seals/{dead['id']}/destroy", headers=auth["clerk_houxi"],
                              json={"reason": "换发新章，旧章销毁"})
    assert destroyed.status_code == 200 and destroyed.json()["state"] == "destroyed", destroyed.text
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    cases = [(use_body(999999), "unknown_seal"), (use_body("abc"), "unknown_seal"),
             (use_body(dead["id"]), "seal_destroyed"), (use_body(seal["id"], used_on=tomorrow), "used_on_in_future"),
             (use_body(seal["id"], copies=0), "bad_copies"), (use_body(seal["id"], copies=-3), "bad_copies"),
             (use_body(seal["id"], copies="两份"), "bad_copies"), (use_body(seal["id"], used_on="2026-13-01"), "bad_used_on"),
             (use_body(seal["id"], purpose=""), "missing_purpose"), (use_body(seal["id"], matter="bribe"), "bad_matter"),
             (use_body(seal["id"], decision={"type": "publication", "id": 987654}), "bad_decision")]
    before = audit_size(url)
    total = requests.get(f"{url}/api/v1/seal-uses").json()["total"]
    for body, code in cases:
        answer = requests.post(f"{url}/api/v1/seal-uses", headers=auth["clerk_houxi"], json=body)
        assert answer.status_code in (400, 409) and answer.json()["error"]["code"] == code, (body, answer.text)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.json()["error"]["message"])
    assert audit_size(url) == before and requests.get(f"{url}/api/v1/seal-uses").json()["total"] == total
    again = requests.post(f"{url}/api/v1/seals/{dead['id']}/resume", headers=auth["clerk_houxi"], json={"reason": "x"})
    assert again.status_code == 409 and "销毁" in again.json()["error"]["message"]
    foreign = requests.post(f"{url}/api/v1/seal-uses", headers=auth["clerk_shicheng"], json=use_body(seal["id"]))
    assert foreign.status_code == 403


def test_a_seal_taken_out_comes_back(site):
    url, auth = site
    seal = new_seal(url, auth)
    out = requests.post(f"{url}/api/v1/seal-uses", headers=auth["clerk_houxi"],
                        json=use_body(seal["id"], left_office=True, used_on=today().isoformat())).json()
    assert out["state"] == "out" and out["left_office"] and out["out_at"] and out["returned_at"] is None
    listed = requests.get(f"{url}/api/v1/seal-uses", params={"village": HOUXI, "out": "1"}).json()["seal_uses"]
    assert out["id"] in [u["id"] for u in listed] and all(u["left_office"] for u in listed)
    back = requests.post(f"{url}/api/v1/seal-uses/{out['id']}/return", headers=auth["clerk_houxi"])
    assert back.status_code == 200 and back.json()["state"] == "recorded"
    assert back.json()["returned_at"].endswith("+08:00")
    again = requests.post(f"{url}/api/v1/seal-uses/{out['id']}/return", headers=auth["clerk_houxi"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "bad_state"


def test_handover_changes_the_keeper_with_an_impression(site):
    import io

    from PIL import Image
    url, auth = site
    seal = new_seal(url, auth)
    buf = io.BytesIO()
    Image.new("RGB", (120, 120), (200, 30, 30)).save(buf, "PNG")
    moved = requests.post(f"{url}/api/v1/seals/{seal['id']}/handover", headers=auth["clerk_houxi"],
                          data={"to_keeper": "丙接交", "witness": "丁监交"},
                          files={"impression": ("印模.png", buf.getvalue(), "image/png")})
    assert moved.status_code == 200, moved.text
    view = moved.json()
    assert view["keeper"] == "丙接交"
    handover = view["handovers"][-1]
    assert (handover["from_keeper"], handover["to_keeper"], handover["witness"]) == ("甲保管", "丙接交", "丁监交")
    image = requests.get(url + handover["impression_url"])
    assert image.status_code == 200 and image.content[:3] == b"\xff\xd8\xff"
    to_approver = requests.post(f"{url}/api/v1/seals/{seal['id']}/handover", headers=auth["clerk_houxi"],
                                json={"to_keeper": "乙审批", "witness": "丁监交"})
    assert to_approver.status_code == 400 and to_approver.json()["error"]["code"] == "keeper_is_approver"
    fake = requests.post(f"{url}/api/v1/seals/{seal['id']}/handover", headers=auth["clerk_houxi"],
                         data={"to_keeper": "戊", "witness": "丁监交"},
                         files={"impression": ("印模.png", b"<html>not an image</html>", "image/png")})
    assert fake.status_code == 400 and fake.json()["error"]["code"] == "bad_file_type"
    assert requests.get(f"{url}/api/v1/seals/{seal['id']}").json()["keeper"] == "丙接交"


def test_certificate_list_and_county_extension(site):
    url, auth = site
    listed = requests.get(f"{url}/api/v1/certificates", params={"village": HOUXI}).json()
    must_not = [c["name"] for c in listed["certificates"] if c["kind"] == "must_not"]
    assert len(must_not) == 20 and "无犯罪记录证明" in must_not and "证件遗失证明" in must_not
    assert all(c["alternative"] for c in listed["certificates"] if c["kind"] == "must_not")
    assert {c["kind"] for c in listed["certificates"]} == {"must_not", "may_issue", "commitment"}
    refused = requests.post(f"{url}/api/v1/certificates", headers=auth["clerk_houxi"], json={
        "county": "350528000000", "code": "x", "name": "x", "kind": "may_issue"})
    assert refused.status_code == 403
    added = requests.post(f"{url}/api/v1/certificates", headers=auth["admin"], json={
        "county": "350528000000", "code": "QY-bridge", "name": "过桥通行情况证明", "kind": "may_issue"})
    assert added.status_code == 201
    names = [c["name"] for c in requests.get(f"{url}/api/v1/certificates", params={"village": HOUXI}).json()["certificates"]]
    assert "过桥通行情况证明" in names
    page = requests.get(f"{url}/v/{HOUXI}/certificates")
    assert page.status_code == 200 and "村里不能给您开" in page.text and "无犯罪记录证明" in page.text
    english = requests.get(f"{url}/api/v1/certificates", params={"village": HOUXI, "lang": "en"}).json()
    assert any(c["name"] == "Certificate of no criminal record" for c in english["certificates"])


def test_a_decision_links_by_id(site):
    url, auth = site
    seal = new_seal(url, auth)
    pubs = requests.get(f"{url}/api/v1/publications", params={"village": HOUXI}).json()["publications"]
    pub = next(p for p in pubs if p["status"] == "published")
    linked = requests.post(f"{url}/api/v1/seal-uses", headers=auth["clerk_houxi"], json=use_body(
        seal["id"], purpose="签订村道硬化工程施工合同", document="施工合同", matter="works",
        decision={"type": "publication", "id": pub["id"]})).json()
    assert linked["needs_vote"] is True and linked["decision"]["id"] == pub["id"]
    assert linked["decision"]["url"] == f"/p/{pub['id']}" and requests.get(url + linked["decision"]["url"]).status_code == 200
    other = requests.get(f"{url}/api/v1/publications", params={"village": SHICHENG}).json()["publications"]
    if other:
        foreign = requests.post(f"{url}/api/v1/seal-uses", headers=auth["clerk_houxi"], json=use_body(
            seal["id"], decision={"type": "publication", "id": other[0]["id"]}))
        assert foreign.status_code == 400 and foreign.json()["error"]["code"] == "bad_decision"


def test_search_feed_and_openapi(site):
    url, auth = site
    seal = new_seal(url, auth)
    requests.post(f"{url}/api/v1/seal-uses", headers=auth["clerk_houxi"],
                  json=use_body(seal["id"], document="鱼塘承包情况说明书")).raise_for_status()
    import time
    for _ in range(100):
        hits = requests.get(f"{url}/api/v1/search", params={"q": "鱼塘", "type": "seal_use"}).json()["results"]
        if hits:
            break
        time.sleep(0.2)
    assert any(h["type"] == "seal_use" for h in hits)
    feed = requests.get(f"{url}/feeds/r/seal_use/{HOUXI}.atom")
    assert feed.status_code == 200 and "鱼塘承包情况说明书" in feed.text
    paths = requests.get(f"{url}/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/seals", "/api/v1/seal-uses", "/api/v1/certificates", "/api/v1/seal-uses/{id}/return"} <= set(paths)


def test_flags_reach_the_red_flag_list(site):
    """A use approved by the seal's own keeper is flagged after commit, with its evidence; the demo's
    planted misuses are all on the list (portal.redflags keeps it from the rules' check)."""
    import time
    url, auth = site
    seal = new_seal(url, auth)
    use = requests.post(f"{url}/api/v1/seal-uses", headers=auth["clerk_houxi"],
                        json=use_body(seal["id"], approver="甲保管")).json()
    for _ in range(50):
        flags = requests.get(f"{url}/api/v1/redflags", params={"village": HOUXI, "code": "seals.keeper_approved"}).json()
        mine = [f for f in flags["flags"] if f["object"]["id"] == use["id"]]
        if mine:
            break
        time.sleep(0.2)
    assert mine and mine[0]["evidence"]["keeper"] == "甲保管" and mine[0]["object"]["type"] == "seal_use"
    codes = {f["code"] for f in requests.get(f"{url}/api/v1/redflags", params={"village": HOUXI}).json()["flags"]}
    assert {"seals.no_approval", "seals.certificate_not_allowed", "seals.vote_missing", "seals.out_too_long",
            "seals.bad_seal_state", "seals.recorded_late", "seals.self_approved"} <= codes
    rate = requests.get(f"{url}/api/v1/redflags", params={"code": "seals.unusual_rate"}).json()["flags"]
    burst = [f for f in rate if f["village"] == SHICHENG]  # the demo's burst month (this module's uses may add 后溪村's)
    assert len(burst) == 1 and burst[0]["evidence"]["count"] >= 14
    assert burst[0]["evidence"]["count"] > burst[0]["evidence"]["threshold"] > burst[0]["evidence"]["county_median"]


def test_a_retried_post_with_the_same_idempotency_key_records_once(site):
    url, auth = site
    seal = new_seal(url, auth)
    headers = dict(auth["clerk_houxi"], **{"Idempotency-Key": "phone-retry-0001"})
    first = requests.post(f"{url}/api/v1/seal-uses", headers=headers, json=use_body(seal["id"]))
    again = requests.post(f"{url}/api/v1/seal-uses", headers=headers, json=use_body(seal["id"]))
    assert first.status_code == 201 and again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = requests.post(f"{url}/api/v1/seal-uses", headers=auth["clerk_houxi"], json=use_body(seal["id"]))
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    listed = requests.get(f"{url}/api/v1/seal-uses", params={"seal": seal["id"]}).json()
    assert listed["total"] == 2
