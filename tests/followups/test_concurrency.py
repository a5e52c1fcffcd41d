"""Eight simultaneous answers to one follow-up write one answer, on SQLite and on PostgreSQL.

Like tests/publications/test_concurrency.py, a real threaded HTTP server on loopback; and the
production server of ``python run.py`` (gevent) on SQLite.
"""
import datetime
import threading

import pytest
import requests
from werkzeug.serving import make_server

from portal.accounts.models import User
from portal.accounts.services import create_token
from portal.core.clock import today
from tests.conftest import make_app


@pytest.fixture(params=["sqlite", "postgres"])
def site(request, tmp_path):
    from portal.core.db import connection
    from tests.conftest import load_demo_for
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    app = make_app(tmp_path, url, SEARCH_SYNC=True)
    with connection():
        load_demo_for(app)
        tokens = {name: create_token(User.get(User.username == name)) for name in ("clerk_houxi", "inspector_100")}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    def call(method, path, who, **kw):
        return requests.request(method, base + path, headers={"Authorization": f"Bearer {tokens[who]}"},
                                timeout=60, **kw)
    yield call
    server.shutdown()


def _together(n, fn):
    barrier, codes = threading.Barrier(n), []

    def run():
        barrier.wait()
        codes.append(fn().status_code)
    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(codes)


def test_simultaneous_steps_write_once(site):
    pub = site("GET", "/api/v1/publications?village=350528100200", "clerk_houxi").json()["publications"][0]["id"]
    due = (today() + datetime.timedelta(days=5)).isoformat()
    fu = site("POST", "/api/v1/followups", "inspector_100", json={
        "object": {"type": "publication", "id": pub}, "assignee": "clerk_houxi", "question": "并发答复",
        "due": due, "visibility": "public"}).json()["id"]
    path = f"/api/v1/followups/{fu}"
    assert _together(8, lambda: site("POST", path + "/answer", "clerk_houxi", json={"text": "同时"})) == [200] + [409] * 7
    assert _together(8, lambda: site("POST", path + "/conclude", "inspector_100",
                                     json={"finding": "no_problem", "conclusion": "同时办结"})) == [200] + [409] * 7
    thread = site("GET", path, "inspector_100").json()["thread"]
    assert [s["kind"] for s in thread] == ["open", "answer", "conclude"]
    from audit.models import AuditEntry
    assert AuditEntry.select().where((AuditEntry.object_type == "followup") & (AuditEntry.object_id == str(fu))
                                     ).count() == 3


def test_simultaneous_answers_on_the_production_server(module_server):
    from tests.followups.conftest import Site
    site = Site(module_server)
    fu = site.open(question="生产服务器并发答复").json()["id"]
    assert _together(8, lambda: site.post(f"/api/v1/followups/{fu}/answer", "clerk_houxi",
                                          json={"text": "同时"})) == [200] + [409] * 7
    assert [s["kind"] for s in site.get(f"/api/v1/followups/{fu}").json()["thread"]] == ["open", "answer"]
