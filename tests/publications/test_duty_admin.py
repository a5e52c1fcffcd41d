"""The admin's duty-rule page over a real server: add (periodic and by amount), refuse bad input,
disable, every change audited; other roles are refused."""
import re

import requests

from portal.demo import DEMO_PASSWORD

VILLAGE = "350528100200"


def _csrf(session, url):
    html = session.get(url).text
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _login(server, username):
    s = requests.Session()
    token = _csrf(s, server.url + "/login")
    r = s.post(server.url + "/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
    assert r.status_code == 200 and "/login" not in r.url
    return s


def _audit_tail(server, n=5):
    size = requests.get(server.url + "/api/v1/audit/entries?limit=1").json()["size"]
    return requests.get(server.url + f"/api/v1/audit/entries?start={size - n}&limit={n}").json()["entries"]


def _rules(server):
    return {d["rule"]: d for d in requests.get(server.url + f"/api/v1/villages/{VILLAGE}/duties").json()["duties"]}


def test_admin_adds_and_disables_rules_audited(fresh_server):
    url = fresh_server.url + "/admin/duties"
    admin = _login(fresh_server, "admin")
    page = admin.get(url)
    assert page.status_code == 200 and "公开责任规则" in page.text and "集体资产资源处置3万元以上事项7日内公开" in page.text

    size_before = _audit_tail(fresh_server, 1)[0]["index"]
    bad = admin.post(url, data={"csrf_token": _csrf(admin, url), "name": "招投标大额事项", "kind": "amount",
                                "category": "result", "power_category": "tender", "threshold": "-5",
                                "within_days": "7", "frequency": "monthly", "grace_days": "10"})
    assert bad.status_code == 400 and "金额门槛不能为负数" in bad.text
    assert _audit_tail(fresh_server, 1)[0]["index"] == size_before and "招投标大额事项" not in _rules(fresh_server)

    no_csrf = admin.post(url, data={"name": "无令牌", "kind": "periodic", "category": "finance",
                                    "frequency": "monthly", "grace_days": "10"})
    assert no_csrf.status_code == 400 and "无令牌" not in _rules(fresh_server)

    ok = admin.post(url, data={"csrf_token": _csrf(admin, url), "name": "招投标5万元以上5日内公开", "kind": "amount",
                               "category": "result", "power_category": "tender", "threshold": "50000",
                               "within_days": "5", "frequency": "monthly", "grace_days": "10"})
    assert ok.status_code == 200 and "已添加公开责任" in ok.text
    rule = _rules(fresh_server)["招投标5万元以上5日内公开"]
    assert (rule["kind"], rule["threshold"], rule["within_days"]) == ("amount", "50000.00", 5)
    periodic = admin.post(url, data={"csrf_token": _csrf(admin, url), "name": "党务每季度公开", "kind": "periodic",
                                     "category": "party", "power_category": "", "frequency": "quarterly",
                                     "grace_days": "15", "threshold": "", "within_days": ""})
    assert periodic.status_code == 200 and _rules(fresh_server)["党务每季度公开"]["frequency"] == "quarterly"
    assert [e["action"] for e in _audit_tail(fresh_server, 2)] == ["publication.duty_rule"] * 2

    html = admin.get(url).text
    row = html[html.index("党务每季度公开"):]
    rule_id = re.search(r"/admin/duties/(\d+)/disable", row).group(1)
    off = admin.post(f"{url}/{rule_id}/disable", data={"csrf_token": _csrf(admin, url)})
    assert off.status_code == 200 and "已停用公开责任" in off.text
    assert "党务每季度公开" not in _rules(fresh_server)
    entry = _audit_tail(fresh_server, 1)[0]
    assert (entry["action"], entry["object_type"], entry["object_id"]) == (
        "publication.duty_rule_disable", "duty_rule", rule_id)
    again = admin.post(f"{url}/{rule_id}/disable", data={"csrf_token": _csrf(admin, url)})
    assert "该规则已经停用" in again.text and _audit_tail(fresh_server, 1)[0]["index"] == entry["index"]


def test_other_roles_are_refused(live_server):
    url = live_server.url + "/admin/duties"
    anonymous = requests.get(url, allow_redirects=False)
    assert anonymous.status_code in (302, 401)
    clerk = _login(live_server, "clerk_houxi")
    assert clerk.get(url).status_code == 403
    token = _csrf(clerk, live_server.url + "/")
    assert clerk.post(url, data={"csrf_token": token, "name": "x", "kind": "periodic", "category": "finance",
                                 "frequency": "monthly", "grace_days": "1"}).status_code == 403
    assert clerk.post(url + "/1/disable", data={"csrf_token": token}).status_code == 403
