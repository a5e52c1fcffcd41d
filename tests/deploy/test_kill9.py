"""Durability under kill -9: every write that got a 2xx survives, the log verifies, the index
holds each record once, and every checkpoint signed before a crash is a prefix of the log after it.

8 clients publish (draft → approve → publish) over HTTP while the server is killed with SIGKILL at
random moments, at least 5 times, and restarted on the same instance and database.
"""
import os
import random
import signal
import threading
import time
from collections import Counter

import pytest
import requests

from tests.conftest import LiveServer
from tests.deploy.helpers import audit_verify, publish

WRITES = int(os.environ.get("DURABILITY_WRITES", "1000"))
KILLS = 5
CLIENTS = 8


def indexed_publications(index_dir):
    from whoosh import index
    ix = index.open_dir(str(index_dir))
    with ix.searcher() as searcher:
        return Counter(doc["id"] for doc in searcher.all_stored_fields() if doc.get("type") == "publication")


def checkpoint(server):
    """The current checkpoint. Under 8 SQLite writers the read can fail with "database is locked"
    (a deferred transaction cannot upgrade to a write: SQLite answers BUSY at once); ask again."""
    for _ in range(50):
        body = requests.get(server.url + "/api/v1/audit/checkpoint", timeout=10).json()
        if "size" in body:
            return body
        time.sleep(0.1)
    raise AssertionError(f"no checkpoint: {body}")


def ready(server, writing, timeout=120):
    """Ready: the restart's catch-up has applied the log (``caught_up``). While the clients still write,
    the index follows a few entries behind the head by design, so no lag is asked of it then; once they
    stopped, it must reach the head."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            body = requests.get(server.url + "/readyz", timeout=5).json()
            index = body["checks"]["search_index"]
            if body["status"] == "ready" and index["caught_up"] and (writing or index["lag"] == 0):
                return body
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.3)
    raise AssertionError("server not ready with the index caught up")


def run_crash_test(tmp_path, database_url=None):
    env = {"DATABASE_URL": database_url} if database_url else {}
    server = LiveServer(tmp_path / "instance", env=env).start()
    clerk, sup = server.token("clerk_houxi"), server.token("supervisor_houxi")
    acknowledged, lock = [], threading.Lock()
    counter = iter(range(WRITES))
    counter_lock = threading.Lock()
    finished = threading.Event()

    def client():
        session = requests.Session()
        while True:
            with counter_lock:
                n = next(counter, None)
            if n is None:
                return
            while True:
                try:
                    pub = publish(server.url, clerk, sup, f"耐久测试第{n}号公示", session=session)
                    break
                except requests.RequestException:
                    if server.proc is None or finished.is_set():
                        return
                    time.sleep(0.3)  # the server died under us: not acknowledged; try again once it is back
                    session = requests.Session()
            with lock:
                acknowledged.append(pub)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    try:
        for t in threads:
            t.start()
        for kill in range(KILLS):
            time.sleep(random.uniform(1.0, 4.0))
            saved = checkpoint(server)
            os.kill(server.proc.pid, signal.SIGKILL)
            server.proc.wait()
            with lock:
                acked = list(acknowledged)
            verify(server)  # what the crash left on disk, before anything repairs or adds to it
            server.demo = False
            server.start()
            check(server, acked, saved, writing=True)
        for t in threads:
            t.join(300)
        saved = checkpoint(server)
        check(server, list(acknowledged), saved, writing=False)
        assert len(acknowledged) == WRITES
        server.stop()
        verify(server)
    finally:
        finished.set()
        server.stop()


def verify(server):
    url = server.env.get("DATABASE_URL") or f"sqlite:///{server.instance / 'portal.db'}"
    code, out = audit_verify(url)
    assert code == 0, out


def check(server, acknowledged, saved, writing):
    for pub in acknowledged:
        r = requests.get(f"{server.url}/api/v1/publications/{pub}", timeout=10)
        assert r.status_code == 200 and r.json()["status"] == "published", (pub, r.text[:200])
    now = checkpoint(server)
    if saved["size"] and now["size"] > saved["size"]:
        proof = requests.get(server.url + "/api/v1/audit/proof/consistency",
                             params={"from": saved["size"], "to": now["size"]}, timeout=10).json()
        assert proof["from_root"] == saved["root"], "a checkpoint signed before the crash is not a prefix"
    else:
        assert now["root"] == saved["root"] or saved["size"] == 0
    ready(server, writing)
    counts = indexed_publications(server.instance / "index")
    assert all(c == 1 for c in counts.values())
    assert set(map(str, acknowledged)) <= set(counts)


@pytest.mark.slow
def test_kill9_sqlite(tmp_path):
    run_crash_test(tmp_path)


@pytest.mark.slow
def test_kill9_postgres(tmp_path, pg_url):
    run_crash_test(tmp_path, pg_url)
