"""A record type declared in under 100 lines gets the audit log, search, a feed, the API and OpenAPI.

The proof that the record mechanism carries a domain: nothing outside this file is touched.
"""
import threading

import peewee
import pytest
import requests

from portal.core.domain import Domain
from portal.core.records import RecordModel, RecordType, Transition
from portal.units.models import Unit
from tests.core.conftest import serve_with


class NoticeRow(RecordModel):
    village = peewee.ForeignKeyField(Unit, backref="+")  # the village that posted it
    title = peewee.CharField(max_length=100)  # as typed; the mechanism masks what is public
    body = peewee.TextField(default="")


def _fill(actor, row, data):
    row.village = Unit.find(data.get("village"), "village")
    row.title = str(data.get("title") or "")[:100]
    row.body = str(data.get("body") or "")


NOTICE = RecordType(
    name="test_notice", label="测试告示", model=NoticeRow, states={"draft": "草稿", "posted": "已张贴"},
    public_states=["posted"], unit_of=lambda row: row.village, find_unit=lambda code: Unit.find(code, "village"),
    public_fields=["body"], field_labels={"body": "内容"}, title_of=lambda row: row.title,
    body_of=lambda row: row.body, api_path="test-notices",
    transitions=[Transition("create", "test_notice.write", [None], "draft", change=_fill),
                 Transition("post", "test_notice.write", ["draft"], "posted", summary="Post a notice")])
DOMAIN = Domain(name="test_notices", models=[NoticeRow], record_types=[NOTICE],
                actions={"test_notice.write": {"clerk"}})


@pytest.fixture
def site(tmp_path):
    yield from serve_with(tmp_path, DOMAIN)


def test_a_declared_record_type_gets_every_projection(site):
    url, auth = site
    made = requests.post(f"{url}/api/v1/test-notices", headers=auth["clerk_a"], json={
        "village": "350528100200", "title": "停水通知 350502199001011234", "body": "明天停水，联系13905951201"})
    assert made.status_code == 201, made.text
    notice = made.json()["id"]
    assert requests.get(f"{url}/api/v1/test-notices/{notice}").status_code == 404  # a draft is not public
    assert requests.post(f"{url}/api/v1/test-notices/{notice}/post", headers=auth["clerk_b"]).json()[
        "error"]["code"] == "not_allowed"  # another village's clerk
    posted = requests.post(f"{url}/api/v1/test-notices/{notice}/post", headers=auth["clerk_a"])
    assert posted.status_code == 200 and posted.json()["state"] == "posted"
    again = requests.post(f"{url}/api/v1/test-notices/{notice}/post", headers=auth["clerk_a"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "bad_state"

    view = requests.get(f"{url}/api/v1/test-notices/{notice}").json()
    assert "350502199001011234" not in str(view) and "13905951201" not in str(view)
    entries = requests.get(f"{url}/api/v1/audit/entries", params={"start": 0, "limit": 50}).json()["entries"]
    assert [e["action"] for e in entries if e.get("object_type") == "test_notice"] == \
        ["test_notice.create", "test_notice.post"]
    assert view["audit_index"] == max(e["index"] for e in entries)
    hits = requests.get(f"{url}/api/v1/search", params={"q": "停水"}).json()["results"]
    assert [(h["type"], h["id"]) for h in hits] == [("test_notice", notice)]
    feed = requests.get(f"{url}/feeds/r/test_notice/350528100200.atom")
    assert feed.status_code == 200 and "停水通知" in feed.text and "350502199001011234" not in feed.text
    page = requests.get(view["url"])
    assert page.status_code == 200 and "audit-proof" in page.text and "350502199001011234" not in page.text
    paths = requests.get(f"{url}/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/test-notices", "/api/v1/test-notices/{id}", "/api/v1/test-notices/{id}/post"} <= set(paths)


def test_simultaneous_identical_transitions_write_once(site):
    url, auth = site
    notice = requests.post(f"{url}/api/v1/test-notices", headers=auth["clerk_a"],
                           json={"village": "350528100200", "title": "并发"}).json()["id"]
    codes, barrier = [], threading.Barrier(8)

    def post():
        barrier.wait()
        codes.append(requests.post(f"{url}/api/v1/test-notices/{notice}/post", headers=auth["clerk_a"]).status_code)
    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] + [409] * 7
    entries = requests.get(f"{url}/api/v1/audit/entries", params={"start": 0, "limit": 50}).json()["entries"]
    assert sum(1 for e in entries if e.get("action") == "test_notice.post") == 1
