"""The production server keeps serving while one request waits on the database.

A query held up by a lock (a long report, a backup, another process's
transaction) must delay only its own request: live items and pages for
everyone else keep flowing. Under a plain gevent server without the
cooperation in ``portal/server.py`` the whole process would stall.
"""
import re
import sqlite3
import threading
import time

import psycopg2
import requests

from tests.conftest import PG_BASE_URL, LiveServer
from tests.meetings.live_helpers import Viewer, live_meeting


def _blocked_request(method, url, session=None, **kwargs):
    result = {}

    def run():
        try:
            result["status"] = (session or requests).request(method, url, timeout=60, **kwargs).status_code
        except requests.RequestException as exc:
            result["error"] = exc
    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.5)  # it is now waiting on the lock inside the server
    return thread, result


def test_a_query_waiting_on_postgres_does_not_delay_a_live_item(tmp_path, pg_url):
    server = LiveServer(tmp_path / "instance", env={"DATABASE_URL": pg_url}).start()
    schema = pg_url.rsplit("schema=", 1)[1]
    viewers = []
    try:
        token = server.token("clerk_houxi")
        meeting = live_meeting(server, token)
        host, watcher = Viewer(server.url, token).connect(), Viewer(server.url).connect()
        viewers += [host, watcher]
        assert watcher.join(meeting)["ok"]
        locker = psycopg2.connect(PG_BASE_URL)
        with locker.cursor() as cur:
            cur.execute(f'LOCK TABLE "{schema}".publication IN ACCESS EXCLUSIVE MODE')
        thread, result = _blocked_request("GET", server.url + "/api/v1/publications")
        assert "status" not in result  # really waiting
        started = time.monotonic()
        assert host.call("post", {"meeting": meeting, "kind": "transcript", "data": {"text": "锁等待中"}})["ok"]
        assert watcher.wait_for(lambda v: v.last_seq >= 2, timeout=5)
        delay = time.monotonic() - started
        page = requests.get(server.url + "/healthz", timeout=5)
        locker.rollback()
        locker.close()
        thread.join(30)
        assert delay < 1.0, f"live item took {delay:.2f} s while a query waited"
        assert page.status_code == 200 and result.get("status") == 200
    finally:
        for v in viewers:
            v.close()
        server.stop()


def test_a_write_waiting_on_sqlite_does_not_stall_the_server(tmp_path):
    """A failed sign-in records its failure in a write transaction; while another writer holds
    SQLite's lock it waits (busy timeout) in C. Other requests must not wait with it."""
    server = LiveServer(tmp_path / "instance").start()
    try:
        token = server.token("clerk_houxi")
        meeting = live_meeting(server, token)
        session = requests.Session()
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', session.get(server.url + "/login").text).group(1)
        locker = sqlite3.connect(server.instance / "portal.db", isolation_level=None,
                                 check_same_thread=False)
        locker.execute("BEGIN IMMEDIATE")  # another writer (a batch import, a backup tool) holds the lock
        release = threading.Timer(2.5, lambda: locker.execute("ROLLBACK"))
        release.start()
        began = time.monotonic()
        thread, result = _blocked_request(
            "POST", server.url + "/login", session=session,
            data={"csrf_token": csrf, "username": "resident_houxi", "password": "wrong-password"})
        assert "status" not in result  # really waiting on the lock
        slowest = 0.0
        for path in ("/", f"/api/v1/meetings/{meeting}/items", "/healthz", "/"):
            started = time.monotonic()
            assert requests.get(server.url + path, timeout=10).status_code == 200
            slowest = max(slowest, time.monotonic() - started)
        thread.join(30)
        waited = time.monotonic() - began
        release.join()
        locker.close()
        assert result.get("status") == 401, result  # it waited for the lock, then recorded the failure
        assert waited >= 2.0
        assert slowest < 0.5, f"a page took {slowest:.2f} s while a write waited on SQLite's lock"
    finally:
        server.stop()
