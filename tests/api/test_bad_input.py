"""Issue 19, "5xx on ordinary bad input": each input gets a 4xx with the error object, never a 500.

Run against the real server (``python run.py`` on loopback), so the route
table, the URL converter, the error handlers and the database are the ones a
visitor meets.
"""
import json

import pytest
import requests

from tests.api.conftest import VILLAGE, bearer

BIG = "99999999999999999999999"


def assert_error(response, status=None):
    assert response.status_code < 500, (response.status_code, response.text[:300])
    assert 400 <= response.status_code < 500, response.status_code
    if status:
        assert response.status_code == status, (response.status_code, response.text[:300])
    if response.request.url.split("/", 3)[3].startswith("api/"):
        error = response.json()["error"]
        assert error["code"] and error["message"], error


@pytest.mark.parametrize("path", [
    f"/api/v1/publications/{BIG}", f"/api/v1/publications/{BIG}/objections", f"/api/v1/meetings/{BIG}",
    f"/api/v1/meetings/{BIG}/items", "/api/v1/publications/2147483648", "/api/v1/meetings/2147483648",
    f"/p/{BIG}", f"/p/{BIG}/print", f"/p/{BIG}/qr.svg", f"/audit/entry/{BIG}", f"/p/1/attachments/{BIG}",
    f"/p/1/attachments/{BIG}/thumb", f"/p/{BIG}/attachments/1", f"/meetings/{BIG}", f"/meetings/{BIG}/replay",
    f"/meetings/1/photos/{'a' * 64}",
])
def test_huge_ids_are_not_found(server, path):
    assert_error(requests.get(server.url + path, timeout=10), 404)


@pytest.mark.parametrize("path", [
    f"/api/v1/publications/{BIG}/approve", f"/api/v1/publications/{BIG}/publish",
    f"/api/v1/publications/{BIG}/withdraw", f"/api/v1/publications/{BIG}/correct",
    f"/api/v1/publications/{BIG}/objections", f"/api/v1/publications/{BIG}/steps",
    f"/api/v1/objections/{BIG}/moderate", f"/api/v1/objections/{BIG}/answer",
    f"/api/v1/meetings/{BIG}/start", f"/api/v1/meetings/{BIG}/items",
])
def test_posts_on_huge_ids(server, tokens, path):
    response = requests.post(server.url + path, json={"reason": "x", "text": "x"}, timeout=10,
                             headers=bearer(tokens["clerk_houxi"]))
    assert_error(response, 404)


@pytest.mark.parametrize("path", [f"/p/{BIG}/publish", f"/p/{BIG}/objections", f"/p/1/objections/{BIG}/answer",
                                  f"/p/1/attachments/{BIG}/delete"])
def test_page_posts_on_huge_ids(server, path):
    assert_error(requests.post(server.url + path, data={}, timeout=10, allow_redirects=False))


@pytest.mark.parametrize("year", ["1", "0", "9999", "99999999999999999999"])
def test_year_out_of_bounds(server, year):
    assert_error(requests.get(server.url + "/api/v1/publications", params={"year": year}, timeout=10), 400)
    page = requests.get(server.url + f"/v/{VILLAGE}/publications", params={"year": year}, timeout=10)
    assert page.status_code == 200  # a page ignores a filter it cannot use


@pytest.mark.parametrize("args", [{"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "1900-01-01"},
                                  {"from": "2026-13-01"}])
def test_search_dates_out_of_bounds(server, args):
    response = requests.get(server.url + "/api/v1/search", params=dict(args, q="村"), timeout=10)
    assert_error(response, 400)
    assert response.json()["error"]["code"] in ("bad_from", "bad_to")
    page = requests.get(server.url + "/search", params=dict(args, q="村"), timeout=10)
    assert page.status_code < 500


def test_english_error_message_on_request(server):
    zh = requests.get(server.url + "/api/v1/search", params={"from": "0001-01-01"}, timeout=10).json()
    en = requests.get(server.url + "/api/v1/search", params={"from": "0001-01-01", "lang": "en"}, timeout=10).json()
    by_header = requests.get(server.url + "/api/v1/search", params={"from": "0001-01-01"},
                             headers={"Accept-Language": "en"}, timeout=10).json()
    assert zh["error"]["code"] == en["error"]["code"] == by_header["error"]["code"]
    assert "1949" in zh["error"]["message"] and not zh["error"]["message"].isascii()
    assert en["error"]["message"].isascii() and "1949" in en["error"]["message"]
    assert by_header["error"]["message"] == en["error"]["message"]


def test_deeply_nested_json(server, tokens):
    deep = "[" * 5000 + "]" * 5000
    body = '{"village": "%s", "category": "affairs", "title": %s}' % (VILLAGE, deep)
    for path, token in (("/api/v1/publications", "clerk_houxi"), ("/api/v1/meetings", "clerk_houxi"),
                        ("/api/v1/units", "admin")):
        response = requests.post(server.url + path, data=body, timeout=10,
                                 headers=dict(bearer(tokens[token]), **{"Content-Type": "application/json"}))
        assert_error(response, 400)


@pytest.mark.parametrize("field,value", [("category", ["affairs"]), ("category", {"a": 1}), ("title", ["x"]),
                                         ("body", {"x": 1}), ("village", [VILLAGE]), ("power", {}),
                                         ("period_start", ["2026-01-01"]), ("amount", {"x": 1}),
                                         ("steps", "notalist"), ("steps", [{"step": [1], "done_on": {}}])])
def test_publication_fields_of_the_wrong_type(server, tokens, field, value):
    body = {"village": VILLAGE, "category": "affairs", "title": "测试通知", "body": "正文"}
    body[field] = value
    response = requests.post(server.url + "/api/v1/publications", json=body, timeout=10,
                             headers=bearer(tokens["clerk_houxi"]))
    assert_error(response, 400)


def _meeting(server, tokens, **extra):
    body = {"village": VILLAGE, "title": "测试议事会", "kind": "council", "starts_at": "2026-12-20T09:30",
            "place": "村委会", "agenda": [{"step": "collect", "title": "修路"}]}
    body.update(extra)
    return requests.post(server.url + "/api/v1/meetings", json=body, timeout=10,
                         headers=bearer(tokens["clerk_houxi"]))


@pytest.mark.parametrize("extra", [{"kind": {"x": 1}}, {"kind": ["council"]}, {"agenda": [{"step": ["a"], "title": "x"}]},
                                   {"agenda": [{"step": "collect", "title": {"x": 1}}]}, {"title": ["x"]},
                                   {"starts_at": "9999-12-31T23:59+00:00"}, {"starts_at": "0001-01-01T00:00"},
                                   {"starts_at": ["2026-12-20T09:30"]}, {"links": "x"}, {"host": {"x": 1}}])
def test_meeting_fields_of_the_wrong_type(server, tokens, extra):
    assert_error(_meeting(server, tokens, **extra), 400)
    assert requests.get(server.url + f"/v/{VILLAGE}", timeout=10).status_code == 200
    assert requests.get(server.url + f"/v/{VILLAGE}/meetings", timeout=10).status_code == 200


@pytest.mark.parametrize("kind,data", [("vote", {"motion": "修路", "result": ["passed"], "yes": 1, "no": 0}),
                                       ("vote", {"motion": {"x": 1}, "result": "passed"}),
                                       ("agenda", {"index": "0"}), ("transcript", {"text": ["x"]}),
                                       ("notice", []), ("nope", {}), (["vote"], {})])
def test_meeting_items_of_the_wrong_type(server, tokens, kind, data):
    created = _meeting(server, tokens)
    assert created.status_code == 201, created.text
    meeting = created.json()["id"]
    headers = bearer(tokens["clerk_houxi"])
    assert requests.post(server.url + f"/api/v1/meetings/{meeting}/start", headers=headers, timeout=10).ok
    response = requests.post(server.url + f"/api/v1/meetings/{meeting}/items", json={"kind": kind, "data": data},
                             headers=headers, timeout=10)
    assert_error(response, 400)


def test_non_string_notes(server, tokens):
    headers = bearer(tokens["supervisor_houxi"])
    for body in ({"decision": "show", "note": {"x": 1}}, {"decision": ["show"]}, {"decision": "reject", "note": [1]}):
        response = requests.post(server.url + "/api/v1/objections/1/moderate", json=body, headers=headers, timeout=10)
        assert_error(response)
    response = requests.post(server.url + "/api/v1/publications/1/send-back", json={"reason": {"x": 1}},
                             headers=headers, timeout=10)
    assert_error(response)


def test_bodies_that_are_not_objects(server, tokens):
    headers = dict(bearer(tokens["clerk_houxi"]), **{"Content-Type": "application/json"})
    for raw in ("[]", "1", "null", '"x"', "{", json.dumps({"a": 1}) * 2, "\xff"):
        response = requests.post(server.url + "/api/v1/publications", data=raw.encode("utf-8", "surrogateescape"),
                                 headers=headers, timeout=10)
        assert_error(response, 400)


@pytest.mark.parametrize("path,args", [("/api/v1/publications", {"page": "¹"}), ("/api/v1/publications", {"year": "²⁰²⁶"}),
                                       ("/api/v1/meetings/1/items", {"after": "¹"}), ("/api/v1/search", {"page": "٣"}),
                                       ("/api/v1/audit/entries", {"start": "¹"}), ("/api/v1/meetings", {"page": "¹"})])
def test_digits_that_are_not_ascii(server, path, args):
    """``"¹".isdigit()`` is True but ``int("¹")`` fails: such digits must be refused, not crash."""
    assert_error(requests.get(server.url + path, params=args, timeout=10), 400)


@pytest.mark.parametrize("args", [{"year": "¹⁹⁹⁹"}, {"page": "¹"}])
def test_page_filters_with_odd_digits(server, args):
    assert requests.get(server.url + f"/v/{VILLAGE}/publications", params=args, timeout=10).status_code == 200
    assert requests.get(server.url + "/search", params=dict(args, q="村"), timeout=10).status_code < 500
