"""Over a real server: error messages in Chinese by default, in English on request.

The API answers in English with ``?lang=en`` or ``Accept-Language: en``; a page with
``?lang=en`` (remembered in the ``lang`` cookie) shows a form's refusal in English,
its field label translated too; Socket.IO acks follow ``?lang=en`` on the connect URL.
Every English message asserted here is built by the same template the Chinese one is,
so the numbers in it are read from the Chinese answer, not written into the test.
"""
import re

import pytest
import requests
import socketio

from portal.demo import DEMO_PASSWORD

VILLAGE = "350528100200"  # 后溪村
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def server(module_server):
    return module_server


@pytest.fixture(scope="module")
def clerk(server):
    return {"Authorization": f"Bearer {server.token('clerk_houxi')}"}


def error_of(response, status=400):
    assert response.status_code == status, response.text
    return response.json()["error"]


def test_api_message_with_params_follows_lang_argument(server, clerk):
    body = {"village": VILLAGE, "category": "village", "title": "长" * 500, "body": "正文"}
    zh = error_of(requests.post(server.url + "/api/v1/publications", json=body, headers=clerk, timeout=30))
    en = error_of(requests.post(server.url + "/api/v1/publications", params={"lang": "en"}, json=body,
                                headers=clerk, timeout=30))
    assert zh["code"] == en["code"] == "title_too_long"
    limit = re.fullmatch(r"标题不能超过(\d+)个字。", zh["message"]).group(1)
    assert en["message"] == f"Title may be at most {limit} characters long."


def test_api_message_follows_accept_language(server, clerk):
    body = {"village": VILLAGE, "title": "村民代表会议", "kind": "picnic", "starts_at": "2026-12-20T09:00",
            "place": "村委会", "agenda": [{"step": "propose", "title": "道路硬化"}]}
    url = server.url + "/api/v1/meetings"
    zh = error_of(requests.post(url, json=body, headers=clerk, timeout=30))
    en = error_of(requests.post(url, json=body, headers=dict(clerk, **{"Accept-Language": "en-US,en;q=0.8"}),
                                timeout=30))
    assert zh["code"] == en["code"] == "bad_kind"
    kinds = re.fullmatch(r"会议类型必须是：(.+)。", zh["message"]).group(1).split("、")
    assert len(kinds) >= 2
    # the list param is translated item by item and joined the English way
    assert en["message"].startswith("The meeting type must be one of: ") and not CJK.search(en["message"])
    assert en["message"].count(", ") == len(kinds) - 1

    # the audit library's range errors, once English only, are Chinese by default now
    proof = server.url + "/api/v1/audit/proof/inclusion"
    zh = error_of(requests.get(proof, params={"index": 5, "size": 3}, timeout=30))
    en = error_of(requests.get(proof, params={"index": 5, "size": 3}, headers={"Accept-Language": "en"},
                               timeout=30))
    assert zh == {"code": "index_out_of_range", "message": "序号 5 必须小于树大小 3。"}
    assert en["code"] == "index_out_of_range" and "5" in en["message"] and "3" in en["message"]
    assert not CJK.search(en["message"])


def test_search_errors_are_translated(server):
    url = server.url + "/api/v1/search"
    zh = error_of(requests.get(url, params={"q": '"后溪'}, timeout=30))
    en = error_of(requests.get(url, params={"q": '"后溪', "lang": "en"}, timeout=30))
    assert zh["code"] == en["code"] == "unbalanced_quotes" and CJK.search(zh["message"])
    assert en["message"] == "Unmatched quotes: please check the quotes in your search."


def _csrf(session, url):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', session.get(url, timeout=30).text).group(1)


def _login(server, username):
    session = requests.Session()
    token = _csrf(session, server.url + "/login")
    r = session.post(server.url + "/login", data={"username": username, "password": DEMO_PASSWORD,
                                                   "csrf_token": token}, timeout=30)
    assert r.status_code == 200 and "/login" not in r.url
    return session


def test_page_form_refusal_in_english_with_lang(server):
    url = server.url + "/admin/duties"
    admin = _login(server, "admin")
    form = {"name": "招投标大额事项", "kind": "amount", "category": "result", "power_category": "tender",
            "threshold": "-5", "within_days": "7", "frequency": "monthly", "grace_days": "10"}
    zh = admin.post(url, data=dict(form, csrf_token=_csrf(admin, url)), timeout=30)
    assert zh.status_code == 400 and "金额门槛不能为负数。" in zh.text
    assert "Amount threshold cannot be negative." not in zh.text

    en = admin.post(url, params={"lang": "en"}, data=dict(form, csrf_token=_csrf(admin, url)), timeout=30)
    assert en.status_code == 400
    assert "Amount threshold cannot be negative." in en.text and "金额门槛不能为负数" not in en.text

    # the choice is remembered (cookie): the next refusal is English without ?lang=en
    again = admin.post(url, data=dict(form, csrf_token=_csrf(admin, url)), timeout=30)
    assert "Amount threshold cannot be negative." in again.text
    admin.get(server.url + "/", params={"lang": "zh"}, timeout=30)
    back = admin.post(url, data=dict(form, csrf_token=_csrf(admin, url)), timeout=30)
    assert "金额门槛不能为负数。" in back.text


def test_search_page_refusal_with_params_in_english(server):
    """The search page shows a query refusal with its number filled into the English template."""
    url = server.url + "/search"
    zh = requests.get(url, params={"q": "村" * 500}, timeout=30)
    en = requests.get(url, params={"q": "村" * 500, "lang": "en"}, timeout=30)
    limit = re.search(r"搜索词太长，请不超过(\d+)个字。", zh.text).group(1)
    assert f"The search is too long; use at most {limit} characters." in en.text
    assert "搜索词太长" not in en.text and "The search is too long" not in zh.text


@pytest.mark.parametrize("lang", [None, "en"])
def test_socket_ack_follows_lang_on_the_connect_url(server, lang):
    sio = socketio.Client()
    url = server.url + (f"?lang={lang}" if lang else "")
    sio.connect(url, namespaces=["/live"], transports=["websocket"], wait_timeout=10)
    try:
        ack = sio.call("join", {"meeting": 1, "last_seq": -1}, namespace="/live", timeout=10)
    finally:
        sio.disconnect()
    assert ack["ok"] is False and ack["error"]["code"] == "bad_last_seq"
    expected = "last_seq must be a non-negative integer." if lang else "last_seq 必须是非负整数。"
    assert ack["error"]["message"] == expected
