"""Text pasted from Word carries characters XML cannot hold (``明天\\x0b停水``):
removed at input for every text field, and the Atom feeds never fail on a
stored record, even one written before the check."""
import datetime
import sqlite3

import feedparser
import pytest
import requests

from portal.core.text import clean_text
from portal.core.errors import ValidationError
from tests.security.conftest import VILLAGE, bearer

DIRTY = "明天\x0b停水\x00，请\x1b储水\x0c。\x7f"


def test_clean_text_removes_what_xml_cannot_carry():
    assert clean_text(DIRTY, "body", "正文", 100) == "明天停水，请储水。"
    assert clean_text("一\t二\n三\r\n", "body", "正文", 100) == "一\t二\n三"
    assert clean_text("\ufffe\ud800x", "t", "标题", 10) == "x"
    with pytest.raises(ValidationError) as err:
        clean_text(["列表"], "title", "标题", 10)
    assert err.value.code == "bad_title" and "标题必须是文本" in err.value.message
    with pytest.raises(ValidationError) as err:
        clean_text("\x0b \x00", "title", "标题", 10, required=True)
    assert err.value.code == "missing_title"
    with pytest.raises(ValidationError) as err:
        clean_text("长" * 11, "title", "标题", 10)
    assert err.value.code == "title_too_long"


def _publish(server, headers, title, body, category="village"):
    today = datetime.date.today()
    data = {"village": VILLAGE, "category": category, "title": title, "body": body}
    if category == "pre":
        data.update(period_start=(today - datetime.timedelta(days=1)).isoformat(),
                    period_end=(today + datetime.timedelta(days=6)).isoformat())
    r = requests.post(server.url + "/api/v1/publications", json=data, headers=headers["clerk_houxi"])
    assert r.status_code == 201, r.text
    pub_id = r.json()["id"]
    assert requests.post(f"{server.url}/api/v1/publications/{pub_id}/approve",
                         headers=headers["supervisor_houxi"]).status_code == 200
    assert requests.post(f"{server.url}/api/v1/publications/{pub_id}/publish",
                         headers=headers["clerk_houxi"]).status_code == 200
    return pub_id


def _feed_ok(server, path):
    r = requests.get(server.url + path)
    assert r.status_code == 200, r.text[:300]
    feed = feedparser.parse(r.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_every_text_field_is_cleaned_and_feeds_parse(server):
    headers = {u: bearer(server, u) for u in ("clerk_houxi", "supervisor_houxi", "resident_houxi")}
    pub_id = _publish(server, headers, "停水\x0b通知", DIRTY, category="pre")
    public = requests.get(f"{server.url}/api/v1/publications/{pub_id}").json()
    assert public["title"] == "停水通知" and public["body"] == "明天停水，请储水。"
    r = requests.post(f"{server.url}/api/v1/publications/{pub_id}/objections", headers=headers["resident_houxi"],
                      json={"text": "水\x0b从哪天\x00开始停？"})
    assert r.status_code == 201, r.text
    obj = r.json()["id"]
    r = requests.post(f"{server.url}/api/v1/objections/{obj}/moderate", headers=headers["supervisor_houxi"],
                      json={"decision": "show"})
    assert r.status_code == 200, r.text
    r = requests.post(f"{server.url}/api/v1/objections/{obj}/answer", headers=headers["clerk_houxi"],
                      json={"text": "周三\x0c起。"})
    assert r.status_code == 200 and r.json()["answer"] == "周三起。"
    texts = [o["text"] for o in requests.get(f"{server.url}/api/v1/publications/{pub_id}/objections")
             .json()["objections"]]
    assert texts == ["水从哪天开始停？"]
    feed = _feed_ok(server, f"/feeds/{VILLAGE}.atom")
    assert "停水通知" in [e.title for e in feed.entries]
    _feed_ok(server, f"/feeds/{VILLAGE}/pre.atom")


def test_feed_survives_a_stored_control_character(server):
    """A row written before input was cleaned (or by hand) must not take the feed down."""
    headers = {u: bearer(server, u) for u in ("clerk_houxi", "supervisor_houxi")}
    pub_id = _publish(server, headers, "旧数据", "正文")
    db = sqlite3.connect(server.instance / "portal.db")
    db.execute("UPDATE publication SET title_masked = ?, body_masked = ? WHERE id = ?",
               ("旧\x0b数据", "明天\x0b停水\x00", pub_id))
    db.commit()
    db.close()
    feed = _feed_ok(server, f"/feeds/{VILLAGE}.atom")
    assert "旧数据" in [e.title for e in feed.entries]
    _feed_ok(server, f"/feeds/{VILLAGE}/village.atom")
