"""The appeal loop over the real HTTP API: filing (once per key), every step audited, the filer's
rating, the refusals that write nothing, and the public view without personal data."""
import datetime
import threading
import uuid

import requests

from tests.appeals.conftest import GRID, VILLAGE


def audit_actions(url, appeal_id):
    start, out = 0, []
    while True:
        page = requests.get(f"{url}/api/v1/audit/entries", params={"start": start, "limit": 1000}).json()["entries"]
        out += [(e["action"], e.get("actor")) for e in page
                if e.get("object_type") == "appeal" and e.get("object_id") == str(appeal_id)]
        if len(page) < 1000:
            return out
        start += 1000


def test_the_closed_loop_anonymous_filer(server, api):
    key = uuid.uuid4().hex
    made = api.file(key=key, text="村口路灯坏了，我是张三电话13905951299，住后溪村88号。", place="后溪村88号张三家门口")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "submitted" and len(body["receipt"]) == 16 and body["due_at"].endswith("+08:00")
    again = api.file(key=key, text="村口路灯坏了，我是张三电话13905951299，住后溪村88号。", place="后溪村88号张三家门口")
    assert again.json()["id"] == body["id"] and again.json()["receipt"] == body["receipt"]  # a double tap files once
    appeal = body["id"]

    public = api.get(appeal).json()
    assert "13905951299" not in str(public) and "张三家门口" not in str(public) and public["status"] == "submitted"

    assert api.step("grid_houxi", appeal, "accept").json()["error"]["code"] == "not_allowed"  # grid cannot intake
    assert api.step("grid_shicheng", appeal, "accept").status_code == 403  # another village's worker
    assert api.step("handler_houxi", appeal, "accept").json()["status"] == "accepted"
    dispatched = api.step("handler_houxi", appeal, "dispatch", to=GRID, note="请网格员处理。").json()
    assert dispatched["status"] == "dispatched" and dispatched["holder"]["code"] == GRID
    assert api.step("grid_houxi", appeal, "start").json()["status"] == "in_progress"
    replied = api.step("grid_houxi", appeal, "reply", note="路灯已更换。", outcome="fixed").json()
    assert replied["status"] == "replied" and replied["reply"] == "路灯已更换。"

    assert api.rate(appeal, satisfied=True, receipt="0000000000000000").json()["error"]["code"] == "bad_receipt"
    assert api.rate(appeal, "resident_houxi", satisfied=True).json()["error"]["code"] == "not_allowed"
    rated = api.rate(appeal, satisfied=True, receipt=body["receipt"], comment="很快")
    assert rated.status_code == 200 and rated.json()["status"] == "fixed"
    second = api.rate(appeal, satisfied=False, receipt=body["receipt"])
    assert second.status_code == 409 and second.json()["error"]["code"] == "bad_state"

    view = api.get(appeal).json()
    assert [s["state"] for s in view["timeline"]] == ["submitted", "accepted", "dispatched", "in_progress",
                                                     "replied", "fixed"]
    assert [r["satisfied"] for r in view["ratings"]] == ["satisfied"]
    actions = audit_actions(server.url, appeal)
    assert [a for a, _ in actions] == ["appeal.file", "appeal.accept", "appeal.dispatch", "appeal.start",
                                       "appeal.reply", "appeal.rated_fixed"]
    assert actions[0][1] == "群众" and "网格员" in actions[3][1]  # the filer is never named
    entries = requests.get(f"{server.url}/api/v1/audit/entries", params={"start": 0, "limit": 100000}).text
    assert "13905951299" not in entries and "张三家门口" not in entries
    assert view["audit_index"] == max(e["audit_index"] for e in view["timeline"])


def test_signed_in_filer_rates_with_token(api):
    made = api.file("resident_houxi", key=uuid.uuid4().hex).json()
    assert "receipt" not in made
    api.step("handler_houxi", made["id"], "accept")
    api.step("handler_houxi", made["id"], "reply", note="已安排施工队。", outcome="fixed")
    assert api.rate(made["id"], satisfied=True, receipt=None).status_code == 403  # no token, no receipt
    assert api.rate(made["id"], "resident_houxi", satisfied=True, level="basic").json()["status"] == "fixed"


def test_closed_without_fixing_is_not_fixed_and_unsatisfied_counts(api):
    before = api.stats(VILLAGE).json()
    unfixed, receipt = api.replied(outcome="unfixed")
    assert api.rate(unfixed, satisfied=True, level="basic", receipt=receipt).json()["status"] == "closed_unfixed"
    reopened, receipt2 = api.replied()
    r = api.rate(reopened, satisfied=False, receipt=receipt2, comment="坑还在")
    assert r.json()["status"] == "reopened" and r.json()["reopen_count"] == 1
    after = api.stats(VILLAGE).json()
    assert after["closed_unfixed"] == before["closed_unfixed"] + 1 and after["fixed"] == before["fixed"]
    assert after["ratings"]["unsatisfied"] == before["ratings"]["unsatisfied"] + 1
    assert after["rated"] == before["rated"] + 2
    assert after["satisfaction_rate"] == round((after["ratings"]["satisfied"] + after["ratings"]["basic"]) /
                                               after["rated"], 4)
    # reply again and rate well: the earlier 不满意 still counts
    api.step("grid_houxi", reopened, "reply", note="重新填平并压实。")
    assert api.rate(reopened, satisfied=True, receipt=receipt2).json()["status"] == "fixed"
    final = api.stats(VILLAGE).json()
    assert final["ratings"]["unsatisfied"] == after["ratings"]["unsatisfied"] and final["rated"] == after["rated"] + 1


def test_repeated_unsatisfied_ratings_escalate_by_themselves(server, api):
    appeal, receipt = api.replied()
    api.rate(appeal, satisfied=False, receipt=receipt)
    api.step("grid_houxi", appeal, "reply", note="再次处理。")
    view = api.rate(appeal, satisfied=False, receipt=receipt).json()
    assert view["reopen_count"] == 2 and view["status"] == "escalated" and view["holder"]["code"] == VILLAGE
    assert view["escalations"] == 1
    assert audit_actions(server.url, appeal)[-1] == ("appeal.escalate", "系统")


def test_a_grid_worker_files_for_an_elderly_resident(api):
    made = api.file("grid_houxi", key=uuid.uuid4().hex, on_behalf={"name": "王阿婆", "phone": "13905951277"})
    assert made.status_code == 201 and len(made.json()["receipt"]) == 16  # to hand to the resident
    view = api.get(made.json()["id"]).json()
    assert view["filed_by_agent"] is True and "王阿婆" not in str(view) and "13905951277" not in str(view)
    refused = api.file("resident_houxi", on_behalf={"name": "张三"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_allowed"
    assert api.file("grid_shicheng", on_behalf={"name": "张三"}).status_code == 403  # not his village


def test_pages_in_english(server, api):
    made = api.file(key=uuid.uuid4().hex).json()
    for path in (f"/v/{VILLAGE}/appeals", f"/v/{VILLAGE}/appeals/new", f"/appeals/{made['id']}",
                 "/appeals/stats/350528100000", "/appeals/follow"):
        page = requests.get(f"{server.url}{path}", params={"lang": "en"})
        assert page.status_code == 200, path
    assert "Report a problem" in requests.get(f"{server.url}/v/{VILLAGE}/appeals", params={"lang": "en"}).text


def test_whistle_goes_up_the_tree_and_departments_report(api):
    made = api.file(key=uuid.uuid4().hex).json()
    api.step("handler_houxi", made["id"], "accept")
    api.step("handler_houxi", made["id"], "dispatch", to=GRID)
    up = api.step("grid_houxi", made["id"], "escalate", note="需要镇里协调。", departments=["镇城建办"]).json()
    assert up["status"] == "escalated" and up["holder"]["level"] == "village"
    assert api.step("grid_houxi", made["id"], "reply", note="x").status_code == 403  # no longer his
    up = api.step("handler_houxi", made["id"], "escalate", note="村里也解决不了。").json()
    assert up["holder"]["level"] == "township" and up["escalations"] == 2
    reported = api.step("handler_100", made["id"], "report", department="镇城建办", note="已派人勘察。").json()
    assert reported["timeline"][-1]["department"] == "镇城建办" and reported["status"] == "escalated"
    assert api.step("handler_100", made["id"], "reply", note="镇里兜底修复。").json()["status"] == "replied"


def test_bad_input_writes_nothing(server, api):
    total = requests.get(f"{server.url}/api/v1/appeals").json()["total"]
    cases = [({"text": ""}, "missing_text"), ({"text": "坑" * 2001}, "text_too_long"),
             ({"category": "nope"}, "bad_category"), ({"village": "999"}, "bad_village"),
             ({"grid": "350528100211"}, "bad_grid"), ({"category": ["roads"]}, "bad_category"),
             ({"text": 12}, "bad_text")]
    for body, code in cases:
        r = api.file(**body)
        assert r.status_code == 400 and r.json()["error"]["code"] == code, (body, r.text)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    files = [("photos", (f"p{i}.png", png, "image/png")) for i in range(7)]
    form = {"village": VILLAGE, "category": "roads", "text": "村道中段有个大坑。"}
    r = requests.post(f"{server.url}/api/v1/appeals", data=form, files=files)
    assert r.json()["error"]["code"] == "too_many_photos"
    r = requests.post(f"{server.url}/api/v1/appeals", data=form, files=[("photos", ("a.jpg", b"<html>", "image/jpeg"))])
    assert r.json()["error"]["code"] == "bad_file_type"
    r = requests.post(f"{server.url}/api/v1/appeals", data=form, files=[("photos", ("a.png", png, "image/png"))])
    assert r.json()["error"]["code"] == "broken_image"
    assert requests.get(f"{server.url}/api/v1/appeals").json()["total"] == total
    made = api.file(key=uuid.uuid4().hex).json()
    assert api.step("handler_houxi", made["id"], "reply", note="x").json()["error"]["code"] == "bad_state"
    assert api.step("handler_houxi", made["id"], "reject").json()["error"]["code"] == "missing_note"
    assert api.step("handler_houxi", made["id"], "fly").status_code == 404
    assert api.get(made["id"]).json()["timeline"][-1]["state"] == "submitted"
    r = requests.post(f"{server.url}/api/v1/appeals", json={"village": VILLAGE, "category": "roads", "text": "村道有坑积水"},
                      headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401


def test_simultaneous_identical_submits_file_once(server, api):
    key, ids, barrier = uuid.uuid4().hex, [], threading.Barrier(8)

    def tap():
        barrier.wait()
        ids.append(api.file(key=key).json().get("id"))
    threads = [threading.Thread(target=tap) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1 and ids[0] is not None
    assert [a for a, _ in audit_actions(server.url, ids[0])] == ["appeal.file"]


def test_stats_shape_and_refusals(api):
    body = api.stats("350528100000").json()
    for key in ("received", "closed", "closure_rate", "satisfaction_rate", "rated", "overdue", "median_hours_to_close"):
        assert key in body
    assert body["closed"] == body["fixed"] + body["closed_unfixed"]
    assert body["closure_rate"] == round(body["closed"] / body["counted"], 4)
    assert api.stats("nope").status_code == 404
    assert api.stats("350528100000", **{"from": "2026-05-01", "to": "2026-01-01"}).json()["error"]["code"] == "bad_range"
    ranked = api.stats("350528100000", children="1").json()["children"]
    assert all(c["counted"] >= 5 for c in ranked if c.get("rank"))


def test_open311_has_no_personal_data(server, api):
    made = api.file(key=uuid.uuid4().hex, text="垃圾没人清运，联系我13905951288。", place="李四家后门").json()
    services = requests.get(f"{server.url}/open311/v2/services.json").json()
    assert {"roads", "utilities"} <= {s["service_code"] for s in services}
    one = requests.get(f"{server.url}/open311/v2/requests/{made['id']}.json").json()[0]
    assert one["status"] == "open" and one["service_code"] == "roads" and "13905951288" not in str(one)
    assert "李四" not in str(one)
    closed = requests.get(f"{server.url}/open311/v2/requests.json", params={"status": "closed"}).json()
    assert closed and all(r["status"] == "closed" for r in closed)


def test_openapi_documents_the_fixed_points(server):
    paths = requests.get(f"{server.url}/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/appeals", "/api/v1/appeals/{id}", "/api/v1/appeals/{id}/rate", "/api/v1/appeals/{id}/{action}",
            "/api/v1/appeals/stats"} <= set(paths)


def test_the_sweep_command_escalates_overdue_appeals(server, api):
    made = api.file(key=uuid.uuid4().hex).json()
    api.step("handler_houxi", made["id"], "accept")
    api.step("handler_houxi", made["id"], "dispatch", to=GRID)
    assert api.get(made["id"]).json()["overdue"] is False
    future = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=8)).isoformat()
    result = server.cli("appeals-sweep", "--at", future)
    assert result.returncode == 0 and "escalated" in result.stdout, result.stderr
    view = api.get(made["id"]).json()
    assert view["status"] == "escalated" and view["holder"]["code"] == VILLAGE
    assert audit_actions(server.url, made["id"])[-1] == ("appeal.escalate", "系统")


def test_wrong_receipts_are_rate_limited(server, api):
    """Last in the module: it locks this address out of receipts for a quarter of an hour."""
    made = api.file(key=uuid.uuid4().hex).json()
    url = f"{server.url}/api/v1/appeals/lookup"
    codes = [requests.post(url, json={"receipt": f"{n:016d}"}).status_code for n in range(1, 7)]
    assert set(codes[:4]) == {403} and codes[-1] == 429  # five wrong codes at most, earlier tests tried one
    right = requests.post(url, json={"receipt": made["receipt"]})
    assert right.status_code == 429 and right.json()["error"]["code"] == "too_many_attempts"
