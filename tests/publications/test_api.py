"""The JSON API: transitions, refusals with {"error": {code, message}}, nothing written on refusal."""
import datetime

import pytest

from portal.accounts.services import create_token
from portal.core.clock import today

VILLAGE = "350528100200"


def day(n):
    return (today() + datetime.timedelta(days=n)).isoformat()


@pytest.fixture
def api(client, people):
    tokens = {name: create_token(getattr(people, name)) for name in ("clerk", "supervisor", "resident", "other_clerk")}

    def call(method, url, who=None, **kw):
        headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
        return client.open(url, method=method, headers=headers, **kw)
    return call


def new_draft(api, **extra):
    body = {"village": VILLAGE, "category": "pre", "title": "村部维修工程比选公示",
            "body": "负责人手机13905951234。", "period_start": day(-1), "period_end": day(6), "power": "QY-03"}
    body.update(extra)
    return api("POST", "/api/v1/publications", "clerk", json=body)


def test_full_lifecycle_over_the_api(api):
    r = new_draft(api)
    assert r.status_code == 201, r.json
    pub = r.json
    assert pub["status"] == "draft" and pub["masking"] == [{"kind": "mobile", "kind_name": "手机号码",
                                                           "masked": "139****1234", "mistyped": False}]
    assert api("GET", f"/api/v1/publications/{pub['id']}").status_code == 404
    r = api("POST", f"/api/v1/publications/{pub['id']}/approve", "supervisor")
    assert r.json == {"id": pub["id"], "status": "approved"}
    r = api("POST", f"/api/v1/publications/{pub['id']}/publish", "clerk")
    assert r.status_code == 200 and r.json["status"] == "published" and isinstance(r.json["audit_index"], int)
    public = api("GET", f"/api/v1/publications/{pub['id']}").json
    assert public["body"] == "负责人手机139****1234。" and "13905951234" not in str(public)
    assert public["url"].endswith(f"/p/{pub['id']}") and public["audit_index"] == r.json["audit_index"]
    assert [v["version"] for v in public["versions"]] == [1]
    listed = api("GET", f"/api/v1/publications?village={VILLAGE}&category=pre").json
    assert pub["id"] in [p["id"] for p in listed["publications"]]
    r = api("POST", f"/api/v1/publications/{pub['id']}/objections", "resident", json={"text": "比选范围太窄，建议扩大。"})
    assert r.status_code == 201
    obj_id = r.json["id"]
    assert api("GET", f"/api/v1/publications/{pub['id']}/objections").json["objections"] == []
    assert api("POST", f"/api/v1/objections/{obj_id}/moderate", "supervisor", json={"decision": "show"}).json["status"] == "shown"
    r = api("POST", f"/api/v1/objections/{obj_id}/answer", "clerk", json={"text": "已扩大到三家。"})
    assert r.json["answer"] == "已扩大到三家。"
    shown = api("GET", f"/api/v1/publications/{pub['id']}/objections").json
    assert shown["objections"][0]["answer"] == "已扩大到三家。" and shown["period"]["unanswered"] == 0
    r = api("POST", f"/api/v1/publications/{pub['id']}/correct", "clerk",
            json={"body": "负责人：村委会。", "correction_note": "删去个人电话。"})
    assert r.status_code == 201 and r.json["version"] == 2
    new_id = r.json["id"]
    api("POST", f"/api/v1/publications/{new_id}/approve", "supervisor")
    api("POST", f"/api/v1/publications/{new_id}/publish", "clerk")
    old = api("GET", f"/api/v1/publications/{pub['id']}").json
    assert old["status"] == "superseded" and old["superseded_by"] == new_id
    r = api("POST", f"/api/v1/publications/{new_id}/withdraw", "clerk", json={"reason": "比选取消。"})
    assert r.json["status"] == "withdrawn"
    assert api("GET", f"/api/v1/publications/{new_id}").json["withdraw_reason"] == "比选取消。"


def test_send_back_with_reason(api):
    pub = new_draft(api).json
    r = api("POST", f"/api/v1/publications/{pub['id']}/send-back", "supervisor", json={"reason": "请附比选文件。"})
    assert r.json["status"] == "returned"
    r = api("PUT", f"/api/v1/publications/{pub['id']}", "clerk",
            json={"title": "村部维修工程比选公示（附文件）", "category": "pre", "period_start": day(0), "period_end": day(6)})
    assert r.json["status"] == "draft"


@pytest.mark.parametrize("change,code", [
    ({"title": ""}, "missing_title"),
    ({"period_start": day(6), "period_end": day(1)}, "period_end_before_start"),
    ({"village": "999999999999"}, "bad_village"),
    ({"category": "x"}, "bad_category"),
    ({"title": 5}, "bad_title"),
])
def test_bad_drafts_get_a_clear_error_and_write_nothing(api, unchanged, change, code):
    with unchanged():
        r = new_draft(api, **change)
    assert r.status_code == 400
    assert r.json["error"]["code"] == code and r.json["error"]["message"]


def test_refusals(api, unchanged):
    pub = new_draft(api).json
    with unchanged():
        r = api("POST", f"/api/v1/publications/{pub['id']}/publish", "clerk")
        assert r.status_code == 409 and r.json["error"]["code"] == "bad_state"
        assert api("POST", f"/api/v1/publications/{pub['id']}/approve").status_code == 401
        assert api("POST", f"/api/v1/publications/{pub['id']}/approve", "clerk").status_code == 403
        assert api("POST", "/api/v1/publications", "other_clerk",
                   json={"village": VILLAGE, "category": "village", "title": "越权"}).status_code == 403
        assert api("POST", "/api/v1/publications", "clerk", data="nope",
                   content_type="application/json").status_code == 400
        assert api("GET", "/api/v1/publications?status=draft").status_code == 400
        assert api("GET", "/api/v1/publications?page=abc").status_code == 400
        assert api("GET", "/api/v1/publications/99999").status_code == 404


def test_objection_after_period_is_refused(api, unchanged):
    pub = new_draft(api, period_start=day(-8), period_end=day(-1)).json
    api("POST", f"/api/v1/publications/{pub['id']}/approve", "supervisor")
    api("POST", f"/api/v1/publications/{pub['id']}/publish", "clerk")
    with unchanged():
        r = api("POST", f"/api/v1/publications/{pub['id']}/objections", "resident", json={"text": "来晚了但有意见。"})
    assert r.status_code == 409 and r.json["error"]["code"] == "period_ended"
    assert "公示期已于" in r.json["error"]["message"]


def test_categories_and_openapi(api):
    cats = api("GET", "/api/v1/categories").json
    assert {c["name"] for c in cats["categories"]} == {"党务公开", "村务公开", "财务公开", "事前公示", "结果公示"}
    assert "宅基地" in {c["name"] for c in cats["power_categories"]}
    doc = api("GET", "/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    for path in ("/api/v1/publications", "/api/v1/publications/{id}/approve", "/api/v1/publications/{id}/publish",
                 "/api/v1/publications/{id}/correct", "/api/v1/publications/{id}/withdraw",
                 "/api/v1/publications/{id}/send-back", "/api/v1/categories"):
        assert path in doc["paths"]
    powers = api("GET", "/api/v1/powers").json["powers"]
    assert len(powers) >= 30
    assert [s["name"] for s in powers[0]["steps"]][0] == "村党组织提议"


def test_steps_via_api(api):
    pub = new_draft(api, power="QY-01", category="village", period_start="", period_end="").json
    steps = api("GET", "/api/v1/powers").json["powers"][0]["steps"]
    r = api("POST", f"/api/v1/publications/{pub['id']}/steps", "clerk", json={"step": steps[0]["id"], "done_on": day(-3)})
    assert r.status_code == 201
    r = api("POST", f"/api/v1/publications/{pub['id']}/steps", "clerk", json={"step": steps[1]["id"], "done_on": "soon"})
    assert r.status_code == 400 and r.json["error"]["code"] == "bad_done_on"
