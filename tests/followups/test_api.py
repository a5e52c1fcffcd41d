"""The fixed API points of follow-ups (API.md), end to end against the real demo server."""
import pytest

from tests.followups.conftest import HOUXI, NANLING, days


def test_open_answer_conclude_on_a_publication_is_public_audited_and_shown_on_its_page(site):
    pub = site.publication()
    made = site.open(question="请说明该笔支出，举报人电话13905951999，身份证350502199001011234。")
    assert made.status_code == 201, made.text
    fu = made.json()
    assert fu["state"] == "waiting" and fu["object"] == {**fu["object"], "type": "publication", "id": pub}
    assert "13905951999" not in made.text and "350502199001011234" not in made.text
    assert fu["assignee"] == "后溪村村务发布员" and fu["due"] == days(7)

    listed = site.get("/api/v1/followups", params={"object_type": "publication", "object_id": pub}).json()
    assert fu["id"] in [f["id"] for f in listed["followups"]] and {"page", "pages", "total"} <= set(listed)

    wrong = site.post(f"/api/v1/followups/{fu['id']}/answer", "supervisor_houxi", json={"text": "我来答"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "not_assignee"
    answered = site.post(f"/api/v1/followups/{fu['id']}/answer", "clerk_houxi", json={"text": "已补充支出明细。"})
    assert answered.status_code == 200 and answered.json()["state"] == "answered"

    no_finding = site.post(f"/api/v1/followups/{fu['id']}/conclude", "inspector_100", json={"conclusion": "已查"})
    assert no_finding.status_code == 400 and no_finding.json()["error"]["code"] == "missing_finding"
    done = site.post(f"/api/v1/followups/{fu['id']}/conclude", "inspector_100",
                     json={"conclusion": "问题已整改。", "finding": "rectified"})
    assert done.status_code == 200 and done.json()["state"] == "concluded" and done.json()["finding"] == "rectified"
    again = site.post(f"/api/v1/followups/{fu['id']}/conclude", "inspector_100",
                      json={"conclusion": "再办结", "finding": "no_problem"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "bad_state"

    entries = site.get("/api/v1/audit/entries", params={"start": max(0, done.json()["audit_index"] - 30),
                                                        "limit": 31}).json()["entries"]
    mine = [e["action"] for e in entries if e.get("object_type") == "followup" and e.get("object_id") == str(fu["id"])]
    assert mine == ["followup.create", "followup.answer", "followup.conclude"]

    page = site.get(f"/p/{pub}")
    assert "纪检监察督办：" in page.text and "已补充支出明细" in page.text and "13905951999" not in page.text
    assert f"/followups/{fu['id']}" in page.text
    detail = site.get(f"/followups/{fu['id']}")
    assert detail.status_code == 200 and "已整改" in detail.text


@pytest.mark.parametrize("body, status, code", [
    ({"object": {"type": "publication", "id": 987654}}, 404, "bad_object"),
    ({"object": {"type": "no_such_type", "id": 1}}, 404, "bad_object"),
    ({"object": "publication:1"}, 400, "missing_object"),
    ({"due": days(-1)}, 400, "due_in_past"),
    ({"due": "明天"}, 400, "bad_due"),
    ({"question": ""}, 400, "missing_question"),
    ({"assignee": "nobody_here"}, 400, "bad_assignee"),
    ({"assignee": "clerk_shicheng"}, 400, "bad_assignee"),  # another village's clerk cannot answer for 后溪村
    ({"visibility": "everyone"}, 400, "bad_visibility"),
    ({"campaign": 999999}, 404, "bad_campaign"),
])
def test_bad_follow_ups_are_refused_and_write_nothing(site, body, status, code):
    before = site.audit_size()
    made = site.open(**body)
    assert made.status_code == status and made.json()["error"]["code"] == code, made.text
    assert site.audit_size() == before


def test_outside_the_inspectors_scope_or_not_an_inspector(site):
    before = site.audit_size()
    outside = site.open(who="inspector_001")  # 东湖街道's inspector on 后溪村 (南岭镇)
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "not_allowed"
    clerk = site.open(who="clerk_houxi")
    assert clerk.status_code == 403
    anonymous = site.get("/api/v1/followups")  # reads need no token, writes do
    assert anonymous.status_code == 200
    assert site.audit_size() == before
    county = site.open(who="inspector_county")
    assert county.status_code == 201


def test_internal_follow_ups_are_seen_only_by_those_who_handle_them(site):
    fu = site.open(visibility="internal", assignee=f"clerk@{HOUXI}", question="内部核查：账外资金线索").json()
    assert site.get(f"/api/v1/followups/{fu['id']}").status_code == 404
    assert site.get(f"/api/v1/followups/{fu['id']}", "resident_houxi").status_code == 404
    assert site.get(f"/api/v1/followups/{fu['id']}", "clerk_houxi").status_code == 200
    assert site.get(f"/api/v1/followups/{fu['id']}", "inspector_100").status_code == 200
    assert site.get(f"/followups/{fu['id']}").status_code == 404
    listed = site.get("/api/v1/followups", params={"object_type": "publication", "object_id": fu["object"]["id"]})
    assert fu["id"] not in [f["id"] for f in listed.json()["followups"]]
    assert fu["question"] not in site.get(f"/p/{fu['object']['id']}").text
    # a role at a unit: whoever is 后溪村's clerk answers
    assert site.post(f"/api/v1/followups/{fu['id']}/answer", "clerk_houxi", json={"text": "内部答复"}).status_code == 200


def test_extend_once_with_reason_and_ask_again(site):
    fu = site.open().json()
    no_reason = site.post(f"/api/v1/followups/{fu['id']}/extend", "inspector_100", json={"due": days(20)})
    assert no_reason.status_code == 400 and no_reason.json()["error"]["code"] == "missing_reason"
    earlier = site.post(f"/api/v1/followups/{fu['id']}/extend", "inspector_100", json={"due": days(3), "reason": "x"})
    assert earlier.status_code == 400 and earlier.json()["error"]["code"] == "bad_due"
    ok = site.post(f"/api/v1/followups/{fu['id']}/extend", "inspector_100", json={"due": days(20), "reason": "需要外调材料"})
    assert ok.status_code == 200 and ok.json()["due"] == days(20) and ok.json()["extended"] is True
    twice = site.post(f"/api/v1/followups/{fu['id']}/extend", "inspector_100", json={"due": days(30), "reason": "再延"})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_extended"
    early = site.post(f"/api/v1/followups/{fu['id']}/ask_again", "inspector_100", json={"question": "还有呢？"})
    assert early.status_code == 409  # nothing answered yet
    site.post(f"/api/v1/followups/{fu['id']}/answer", "clerk_houxi", json={"text": "第一次答复"})
    asked = site.post(f"/api/v1/followups/{fu['id']}/ask_again", "inspector_100", json={"question": "请补充合同。"})
    assert asked.status_code == 200 and asked.json()["state"] == "waiting" and asked.json()["round"] == 2
    kinds = [s["kind"] for s in asked.json()["thread"]]
    assert kinds == ["open", "extend", "answer", "ask_again"]


def test_answer_with_attachments_checked_by_content(site):
    fu = site.open().json()
    fake = site.post(f"/api/v1/followups/{fu['id']}/answer", "clerk_houxi", data={"text": "见附件"},
                     files=[("files", ("会议记录.pdf", b"<html>not a pdf</html>", "application/pdf"))])
    assert fake.status_code == 400 and fake.json()["error"]["code"] == "bad_file_type"
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    ok = site.post(f"/api/v1/followups/{fu['id']}/answer", "clerk_houxi", data={"text": "见附件"},
                   files=[("files", ("会议记录.pdf", pdf, "application/pdf"))])
    assert ok.status_code == 200, ok.text
    files = ok.json()["thread"][-1]["files"]
    import hashlib
    assert files and files[0]["sha256"] == hashlib.sha256(pdf).hexdigest()


def test_overdue_follow_ups_escalate_to_the_superior_unit(site):
    fu = site.open().json()
    site.sql("UPDATE followup SET due_on = ? WHERE id = ?", days(-2), fu["id"])
    assert site.get(f"/api/v1/followups/{fu['id']}").json()["overdue"] is True
    result = site.server.cli("followups-escalate")
    assert result.returncode == 0, result.stderr
    now = site.get(f"/api/v1/followups/{fu['id']}").json()
    assert now["state"] == "escalated" and now["escalated_to"] == NANLING
    assert now["thread"][-1]["kind"] == "escalate"
    assert site.post(f"/api/v1/followups/{fu['id']}/answer", "clerk_houxi", json={"text": "迟到的答复"}).json()[
        "state"] == "answered"


def test_campaigns_group_follow_ups_and_publish_a_summary(site):
    made = site.post("/api/v1/campaigns", "inspector_100", json={"title": "农村建房专项整治", "theme": "housing",
                                                                 "unit": NANLING})
    assert made.status_code == 201, made.text
    campaign = made.json()
    assert site.get(f"/api/v1/campaigns/{campaign['id']}").status_code == 404  # not public until published
    assert site.get(f"/campaigns/{campaign['id']}").status_code == 404
    bad = site.post("/api/v1/campaigns", "inspector_100", json={"title": "x", "theme": "nope", "unit": NANLING})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_theme"
    outside = site.post("/api/v1/campaigns", "inspector_001", json={"title": "x", "theme": "housing", "unit": NANLING})
    assert outside.status_code == 403
    a = site.open(campaign=campaign["id"]).json()
    b = site.open(campaign=campaign["id"], obj={"type": "publication", "id": site.publication("350528100210")},
                  assignee="clerk_shicheng").json()
    site.post(f"/api/v1/followups/{a['id']}/answer", "clerk_houxi", json={"text": "已整改"})
    site.post(f"/api/v1/followups/{a['id']}/conclude", "inspector_100", json={"conclusion": "整改到位", "finding": "rectified"})
    view = site.get(f"/api/v1/campaigns/{campaign['id']}", "inspector_100").json()
    by_village = {v["village"]: v for v in view["progress"]["villages"]}
    assert by_village[HOUXI]["concluded"] == 1 and by_village[HOUXI]["rectified"] == 1
    assert by_village["350528100210"]["open"] == 1 and view["progress"]["totals"]["concluded"] == 1
    assert b["campaign"] == campaign["id"]
    empty = site.post(f"/api/v1/campaigns/{campaign['id']}/publish", "inspector_100", json={"summary": ""})
    assert empty.status_code == 400
    published = site.post(f"/api/v1/campaigns/{campaign['id']}/publish", "inspector_100",
                          json={"summary": "共督办2件，整改1件。"})
    assert published.status_code == 200 and published.json()["state"] == "published"
    page = site.get(f"/campaigns/{campaign['id']}")
    assert page.status_code == 200 and "共督办2件" in page.text and "后溪村" in page.text
    assert campaign["id"] in [c["id"] for c in site.get("/api/v1/campaigns").json()["campaigns"]]


def test_openapi_documents_every_follow_up_route(site):
    paths = site.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/followups", "/api/v1/followups/{id}", "/api/v1/followups/{id}/answer",
            "/api/v1/followups/{id}/conclude", "/api/v1/followups/{id}/extend", "/api/v1/followups/{id}/ask_again",
            "/api/v1/campaigns", "/api/v1/campaigns/{id}", "/api/v1/campaigns/{id}/publish"} <= set(paths)


def test_feed_and_search_show_public_follow_ups_only(site):
    public = site.open(question="请核实村道硬化工程验收情况").json()
    internal = site.open(question="内部核查村道工程结算价格", visibility="internal").json()
    feed = site.get(f"/feeds/followups/{HOUXI}.atom")
    assert feed.status_code == 200 and "村道硬化工程" in feed.text and "结算价格" not in feed.text
    import time
    for _ in range(50):
        hits = site.get("/api/v1/search", params={"q": "村道"}).json()["results"]
        if any(h["type"] == "followup" for h in hits):
            break
        time.sleep(0.2)
    ids = [h["id"] for h in hits if h["type"] == "followup"]
    assert public["id"] in ids and internal["id"] not in ids


def test_meetings_are_objects_of_follow_ups_too(site):
    made = site.open(obj={"type": "meeting", "id": 1}, question="议事会会议记录何时公开？")
    assert made.status_code == 201, made.text
    assert made.json()["object"]["url"].endswith("/meetings/1")
    page = site.get("/meetings/1")
    assert "纪检监察督办：议事会会议记录何时公开？" in page.text


def test_village_page_has_the_follow_ups_section(site):
    site.open(question="请公开村集体鱼塘发包合同。")
    page = site.get(f"/v/{HOUXI}")
    assert "督办" in page.text and "请公开村集体鱼塘发包合同" in page.text


def test_verify_catches_an_edited_follow_up(site):
    import subprocess
    import sys
    fu = site.open(question="核验测试：原始督办事项").json()
    db = next(site.server.instance.glob("*.db"))

    def verify():
        return subprocess.run([sys.executable, "-m", "audit", "verify", "--db", f"sqlite:///{db}", "--quiet"],
                              capture_output=True, text=True, timeout=300)
    assert verify().returncode == 0
    site.sql("UPDATE followup SET question = ? WHERE id = ?", "核验测试：被改过的督办事项", fu["id"])
    result = verify()
    assert result.returncode != 0 and f"index {fu['audit_index']}" in (result.stdout + result.stderr)
    site.sql("UPDATE followup SET question = ? WHERE id = ?", "核验测试：原始督办事项", fu["id"])


def test_my_follow_ups_through_the_api(site):
    fu = site.open(visibility="internal", question="内部：我的督办列表").json()
    mine = site.get("/api/v1/followups", "clerk_houxi", params={"mine": "1"}).json()
    assert fu["id"] in [f["id"] for f in mine["followups"]]
    assert fu["id"] in [f["id"] for f in site.get("/api/v1/followups", "inspector_100", params={"mine": "1"}).json()[
        "followups"]]
    assert fu["id"] not in [f["id"] for f in site.get("/api/v1/followups", "clerk_shicheng",
                                                      params={"mine": "1"}).json()["followups"]]
    assert site.get("/api/v1/followups", params={"mine": "1"}).status_code == 403
    assert site.get("/api/v1/followups", "clerk_houxi", params={"mine": "1", "state": "x"}).status_code == 400
