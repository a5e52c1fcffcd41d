"""Anonymous public pages are answered from memory, and never after a change, nor to a signed-in visitor.

A real server (run.py) with entries kept 60 s, so that only a change, never the clock, can end one here."""
import re
import sqlite3
import threading
import time

import pytest
import requests

from tests.conftest import LiveServer, http_login

VILLAGE = "350528100200"
PAGE = f"/v/{VILLAGE}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("pagecache") / "instance",
                        env={"PORTAL_PAGE_CACHE_SECONDS": "60"}).start()
    yield server
    server.stop()


def get(server, path, **kw):
    answer = requests.get(server.url + path, timeout=30, **kw)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer


def kept(server, path, **kw):
    """The page, asked again until it comes from memory (the after-commit workers of a write just made
    commit for a moment more, each commit ending what was kept), and the same page."""
    first = get(server, path, **kw)
    deadline = time.monotonic() + 30
    while True:
        second = get(server, path, **kw)
        if second.headers.get("X-Page-Cache") == "hit" or time.monotonic() > deadline:
            break
        first = second
        time.sleep(0.2)
    assert second.headers.get("X-Page-Cache") == "hit", (path, first.headers, second.headers)
    assert second.content == first.content and second.headers["Content-Type"] == first.headers["Content-Type"]
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Request-Id"):
        assert second.headers.get(header), header  # the after-request hooks ran on the kept page too
    assert second.headers["X-Request-Id"] != first.headers["X-Request-Id"]
    assert "Cookie" in second.headers.get("Vary", "")
    return second


def test_public_pages_and_feeds_are_kept(server):
    for path in ("/", PAGE, f"/feeds/{VILLAGE}.atom", "/search?q=%E4%BD%8E%E4%BF%9D"):
        kept(server, path)
    # each language its own entry: the English page is English, the Chinese one stays Chinese
    english = kept(server, "/", cookies={"lang": "en"}).text
    chinese = get(server, "/").text
    assert english != chinese and 'lang="en"' in english and 'lang="zh-CN"' in chinese


def _publish(server, title):
    clerk = {"Authorization": f"Bearer {server.token('clerk_houxi')}"}
    supervisor = {"Authorization": f"Bearer {server.token('supervisor_houxi')}"}
    made = requests.post(server.url + "/api/v1/publications", headers=clerk, timeout=30,
                         json={"village": VILLAGE, "category": "village", "title": title, "body": "村务公开内容。"})
    assert made.status_code == 201, made.text
    pub = made.json()["id"]
    assert requests.post(f"{server.url}/api/v1/publications/{pub}/approve", headers=supervisor, timeout=30).ok
    assert requests.post(f"{server.url}/api/v1/publications/{pub}/publish", headers=clerk, timeout=30).ok
    return pub


def test_a_change_in_this_process_is_on_the_next_page(server):
    kept(server, PAGE)
    pub = _publish(server, "缓存测试：村道修缮公开")
    after = get(server, PAGE)
    assert after.headers.get("X-Page-Cache") != "hit" and "缓存测试：村道修缮公开" in after.text
    assert "缓存测试：村道修缮公开" in get(server, f"/r/publication/{pub}").text


def test_a_change_by_another_process_is_on_the_next_page(server):
    """A write the server did not make (here a second SQLite connection, as the CLI or a second process
    would) is seen through the database's data_version, not after the entry's 60 s."""
    pub = _publish(server, "缓存测试：另一进程之前")
    page = kept(server, f"/r/publication/{pub}")
    assert "缓存测试：另一进程之前" in page.text
    with sqlite3.connect(server.instance / "portal.db") as db:
        db.execute("UPDATE publication SET title_masked = ? WHERE id = ?", ("缓存测试：另一进程之后", pub))
    after = get(server, f"/r/publication/{pub}")
    assert after.headers.get("X-Page-Cache") != "hit" and "缓存测试：另一进程之后" in after.text


def test_a_signed_in_visitor_never_gets_or_leaves_a_kept_page(server):
    kept(server, "/")
    clerk = http_login(server.url, "clerk_houxi")
    mine = clerk.get(server.url + "/", timeout=30)
    assert mine.headers.get("X-Page-Cache") is None and "退出" in mine.text  # the signed-in header
    assert clerk.get(server.url + "/", timeout=30).headers.get("X-Page-Cache") is None
    anonymous = get(server, "/")
    assert "退出" not in anonymous.text
    token = {"Authorization": f"Bearer {server.token('clerk_houxi')}"}
    assert get(server, "/", headers=token).headers.get("X-Page-Cache") is None


def test_pages_with_a_form_and_the_reporters_pages_are_never_kept(server):
    seen = set()
    for _ in range(2):
        form = get(server, f"/v/{VILLAGE}/appeals/new")
        assert form.headers.get("X-Page-Cache") is None and "Set-Cookie" in form.headers
        seen.add((re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text).group(1),
                  re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', form.text).group(1)))
    # each visitor their own form token and their own filing key: two residents filing file twice
    assert len(seen) == 2 and len({key for _token, key in seen}) == 2
    for _ in range(2):
        assert get(server, "/reports/new").headers.get("X-Page-Cache") is None


def test_an_expired_page_is_rendered_again_by_one_request_while_the_others_get_the_old_one(tmp_path):
    """In-process, with a page of the test's own that counts its renders."""
    from tests.conftest import make_app
    app = make_app(tmp_path, PAGE_CACHE_SECONDS=0.3)
    renders = []

    def counted():
        renders.append(1)
        return f"<!doctype html><p>第{len(renders)}次</p>"
    app.add_url_rule("/t/counted", "counted", counted)
    cache = app.extensions["page_cache"]
    cache.sqlite = False  # the expiry alone: no other writer here (the first sight of a pooled connection counts as one)
    client = app.test_client()
    assert client.get("/t/counted").headers["X-Page-Cache"] == "miss"
    assert client.get("/t/counted").headers["X-Page-Cache"] == "hit" and len(renders) == 1
    time.sleep(0.4)
    begun, finish, refreshed = threading.Event(), threading.Event(), []

    def refresher():  # a request of its own (another thread: its own context) that began and never stores
        with app.test_request_context("/t/counted"):
            refreshed.append(cache.lookup())
            begun.set()
            finish.wait(10)
            cache.done()  # it failed: the next request renders
    thread = threading.Thread(target=refresher)
    thread.start()
    assert begun.wait(10) and refreshed == [None]
    assert client.get("/t/counted").headers["X-Page-Cache"] == "hit" and len(renders) == 1
    finish.set()
    thread.join(10)
    assert client.get("/t/counted").headers["X-Page-Cache"] == "miss" and len(renders) == 2
    assert "第2次" in client.get("/t/counted").get_data(as_text=True)
