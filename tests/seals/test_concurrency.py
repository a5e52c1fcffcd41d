"""Eight simultaneous identical writes write once (SQLite and PostgreSQL), over HTTP to a real threaded
server: the seal's return and a status change each give one 200, seven 409, one audit entry."""
import threading

import pytest
import requests
from werkzeug.serving import make_server

from portal.accounts.models import User
from portal.accounts.services import create_token
from tests.conftest import make_app


@pytest.fixture(params=["sqlite", "postgres"])
def site(request, tmp_path):
    from portal.core.db import connection
    from tests.conftest import load_demo_for
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    app = make_app(tmp_path, url, SEARCH_SYNC=True)
    with connection():
        load_demo_for(app)
        token = create_token(User.get(User.username == "clerk_houxi"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", {"Authorization": f"Bearer {token}"}
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


def _entries(object_type, object_id, action):
    from audit.models import AuditEntry
    from portal.core.db import connection
    with connection():
        return AuditEntry.select().where((AuditEntry.object_type == object_type) & (AuditEntry.action == action) &
                                         (AuditEntry.object_id == str(object_id))).count()


def test_simultaneous_returns_and_suspensions_write_once(site):
    url, auth = site
    seal = requests.get(f"{url}/api/v1/seals", params={"village": "350528100200"}).json()["seals"][1]
    out = requests.post(f"{url}/api/v1/seal-uses", headers=auth, json={
        "seal": seal["id"], "used_on": "2026-11-30", "purpose": "外出办事", "document": "证明材料", "copies": 1,
        "applicant": "王五", "approver": seal["approver"], "left_office": True}).json()
    codes = _together(8, lambda: requests.post(f"{url}/api/v1/seal-uses/{out['id']}/return", headers=auth, timeout=30))
    assert codes == [200] + [409] * 7
    assert _entries("seal_use", out["id"], "seal_use.return") == 1
    codes = _together(8, lambda: requests.post(f"{url}/api/v1/seals/{seal['id']}/suspend", headers=auth,
                                               json={"reason": "保管人外出学习"}, timeout=30))
    assert codes == [200] + [409] * 7
    assert _entries("seal", seal["id"], "seal.suspend") == 1
