"""A follow-up on a village's publication duties as such (real demo server).

The duty flag (``publications.duty_overdue``) concerns a village's duties, not one record: the
publications domain declares them a subject (``portal.core.domain.Subject``). From the inbox the
inspector opens a follow-up on them with the flag's "发起督办" button; the public follow-up is shown on
the village's duties page; bad ids and other scopes are refused as for records.
"""
import re

import requests

from tests.conftest import http_login
from tests.followups.conftest import HOUXI, NANLING, days

CODE = "publications.duty_overdue"


def _raise_duty_flags(site):
    site.sql("INSERT INTO duty_rule (name, category, power_category, frequency, grace_days, kind, active) "
             "VALUES ('测试每月公开', 'result', 'tender', 'monthly', 0, 'periodic', 1)")
    result = site.server.cli("redflags", "rebuild")
    assert result.returncode == 0, result.stderr


def _csrf(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_the_duty_flags_follow_up_button_opens_one_shown_on_the_duties_page(site):
    _raise_duty_flags(site)
    s = http_login(site.url, "inspector_100")
    inbox = s.get(f"{site.url}/inspect/flags", params={"code": CODE, "village": HOUXI, "lang": "zh"}, timeout=60).text
    buttons = re.findall(r'href="(/followups/new\?[^"]*)"', inbox)
    assert buttons, "the duty flag offers no 发起督办"
    button = buttons[0].replace("&amp;", "&")
    assert "type=village_duties" in button and f"id={int(HOUXI)}" in button
    form = s.get(site.url + button, timeout=60)
    assert form.status_code == 200 and "后溪村的公开责任" in form.text
    # the flag's own page offers it too, and links the object to the village's duties page
    flag_id = re.search(r"flag=(\d+)", button).group(1)
    flag_page = s.get(f"{site.url}/inspect/flags/{flag_id}", timeout=60).text
    assert 'id="flag-followup"' in flag_page and f"/v/{HOUXI}/duties" in flag_page

    question = "本村本月结果公示逾期未公开，请说明原因并限期公开。"
    posted = s.post(site.url + button, data={
        "csrf_token": _csrf(form.text), "assignee": f"clerk@{HOUXI}", "question": question, "due": days(10),
        "visibility": "public", "campaign": ""}, allow_redirects=False, timeout=60)
    assert posted.status_code == 302, posted.text[:2000]
    followup_url = site.url + posted.headers["Location"]
    detail = s.get(followup_url, timeout=60).text
    assert question in detail and f"/v/{HOUXI}/duties" in detail

    # the public sees it on the village's duties page, with the follow-up's words
    duties = requests.get(f"{site.url}/v/{HOUXI}/duties", timeout=60).text
    panel = duties.split('id="followups-panel"', 1)[1]
    assert "纪检监察督办：" in panel and question.rstrip("。") in panel
    assert 'id="open-followup"' not in panel  # the button only for an inspector in scope
    assert 'id="open-followup"' in s.get(f"{site.url}/v/{HOUXI}/duties", timeout=60).text
    english = requests.get(f"{site.url}/v/{HOUXI}/duties", params={"lang": "en"}, timeout=60).text
    assert "Inspectors' follow-up: " in english.split('id="followups-panel"', 1)[1]

    # the API names it the same way, with its page
    listed = site.get("/api/v1/followups", params={"object_type": "village_duties",
                                                    "object_id": int(HOUXI)}).json()["followups"]
    assert [f["question"] for f in listed] == [question]
    assert listed[0]["object"]["url"].endswith(f"/v/{HOUXI}/duties")
    assert listed[0]["object"]["title"] == "后溪村的公开责任"


def test_bad_objects_and_other_scopes_are_refused_nothing_written(site):
    before = site.audit_size()
    for bad in (int(NANLING), 350528999999, 0, "后溪村"):  # a township is no village's duties; no such village
        r = site.open(obj={"type": "village_duties", "id": bad}, assignee=f"clerk@{HOUXI}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "bad_object", (bad, r.text)
    r = site.open("inspector_200", obj={"type": "village_duties", "id": int(HOUXI)}, assignee=f"clerk@{HOUXI}")
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_allowed", r.text
    assert site.audit_size() == before
    ok = site.open(obj={"type": "village_duties", "id": int(HOUXI)}, assignee=f"clerk@{HOUXI}", visibility="internal")
    assert ok.status_code == 201, ok.text
    assert site.audit_size() == before + 1
