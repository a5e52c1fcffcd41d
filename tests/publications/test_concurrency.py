"""Issue 19: simultaneous identical requests write once, and a refused request writes nothing.

Eight threads send the same transition over HTTP to a real threaded server, on SQLite and on
PostgreSQL: exactly one 2xx, the rest 409, one audit entry.
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

VILLAGE = "350528100200"


@pytest.fixture(params=["sqlite", "postgres"])
def site(request, tmp_path):
    from portal.core.db import connection
    from tests.conftest import load_demo_for
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    app = make_app(tmp_path, url, SEARCH_SYNC=True)
    with connection():
        load_demo_for(app)
        tokens = {name: create_token(User.get(User.username == name))
                  for name in ("clerk_houxi", "supervisor_houxi")}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    def call(method, path, who, **kw):
        return requests.request(method, base + path, headers={"Authorization": f"Bearer {tokens[who]}"},
                                timeout=30, **kw)
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


def _entries(call, pub_id, action):
    from audit.models import AuditEntry
    return AuditEntry.select().where((AuditEntry.object_type == "publication") &
                                     (AuditEntry.object_id == str(pub_id)) & (AuditEntry.action == action)).count()


def test_eight_identical_transitions_succeed_once(site):
    day = lambda n: (today() + datetime.timedelta(days=n)).isoformat()  # noqa: E731
    pub = site("POST", "/api/v1/publications", "clerk_houxi", json={
        "village": VILLAGE, "category": "pre", "title": "并发测试公示", "body": "内容",
        "period_start": day(0), "period_end": day(7)}).json()["id"]
    path = f"/api/v1/publications/{pub}"
    assert _together(8, lambda: site("POST", path + "/approve", "supervisor_houxi")) == [200] + [409] * 7
    assert _together(8, lambda: site("POST", path + "/publish", "clerk_houxi")) == [200] + [409] * 7
    assert _together(8, lambda: site("POST", path + "/correct", "clerk_houxi",
                                     json={"correction_note": "改正错字", "body": "内容（更正）"})) == [201] + [409] * 7
    assert _together(8, lambda: site("POST", path + "/withdraw", "clerk_houxi",
                                     json={"reason": "重复发布"})) == [200] + [409] * 7
    for action in ("approve", "publish", "withdraw"):
        assert _entries(site, pub, f"publication.{action}") == 1
    from portal.publications.models import Publication
    assert Publication.select().where(Publication.supersedes == pub).count() == 1


def test_a_refused_draft_with_bad_steps_writes_nothing(site):
    from audit.models import AuditEntry
    from portal.publications.models import Publication
    before = (Publication.select().count(), AuditEntry.select().count())
    for steps in ([{"step": 99999, "done_on": "2026-01-01"}], "notalist"):
        r = site("POST", "/api/v1/publications", "clerk_houxi", json={
            "village": VILLAGE, "category": "village", "title": "只有标题", "power": "QY-01", "steps": steps})
        assert r.status_code == 400 and r.json()["error"]["code"].startswith("bad_step")
    assert (Publication.select().count(), AuditEntry.select().count()) == before
