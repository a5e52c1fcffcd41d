"""Issue 19's two index faults: empty fields after a segment merge, and several documents for one key.

Both are tested on the library (exactly the situation) and on a real server
(what a resident and a restarted process meet).
"""
import json
import signal
from datetime import datetime, timezone

import pytest
import requests

from search_index import SearchIndex

from tests.conftest import LiveServer


def doc(i, body="村里通知的正文", title=None):
    return {"type": "publication", "id": str(i), "title": title or f"村务通知{i}", "body": body,
            "village": "330100001000", "township": "330100000000", "category": "village",
            "published_at": datetime(2024, 5, 1, 8, tzinfo=timezone.utc), "url": f"/p/{i}"}


def test_segments_with_empty_fields_merge_and_stay_searchable(tmp_path):
    """One small segment per change, as publishing writes them, until Whoosh merges them."""
    ix = SearchIndex(tmp_path / "ix")
    ix.apply([("publication", "1", doc(1, body="", title="只有标题的村通知"))])
    for i in range(2, 12):
        ix.apply([("publication", str(i), doc(i))])
        assert ix.search("村").total == i
    assert ix.search("只有标题").hits[0]["id"] == "1"
    assert ix.search("").total == 11


def test_rebuild_with_empty_fields(tmp_path):
    ix = SearchIndex(tmp_path / "ix")
    docs = [doc(1, body="", title="只有标题的村通知")] + [doc(i) for i in range(2, 6)]
    assert ix.rebuild(docs, fast=False) == 5
    assert ix.search("村").total == 5
    ix.apply([("publication", str(i), doc(i)) for i in range(6, 9)])
    assert ix.search("村").total == 8


def test_one_document_per_key_within_a_batch(tmp_path):
    """Draft, approve and publish of one record in one batch: still one document."""
    ix = SearchIndex(tmp_path / "ix")
    ix.rebuild([doc(1)])
    ix.apply([("publication", "2", doc(2)), ("publication", "2", doc(2)), ("publication", "1", doc(1)),
              ("publication", "2", doc(2, body="更正后的正文"))])
    assert ix.doc_count() == 2
    assert ix.search("村务通知").total == 2
    assert ix.search("更正后").total == 1
    ix.apply([("publication", "2", doc(2)), ("publication", "2", None)])       # the last change wins
    assert ix.doc_count() == 1


def test_replaying_a_log_twice_gives_one_hit_per_record(tmp_path):
    """A log of three entries per record (draft, approve, publish), replayed twice in batches of 7."""
    ix = SearchIndex(tmp_path / "ix")
    ix.rebuild([])
    log = [("publication", str(i), doc(i)) for i in range(1, 41) for _ in range(3)]
    for _ in range(2):
        for start in range(0, len(log), 7):
            ix.apply(log[start:start + 7])
    assert ix.doc_count() == 40
    assert ix.search("村务通知", per_page=50).total == 40
    assert len({h["id"] for h in ix.search("村务通知", per_page=50).hits}) == 40


# -- the real server -----------------------------------------------------------------------------
def _publish(server, tokens, village, title, body):
    auth = {n: {"Authorization": f"Bearer {t}"} for n, t in tokens.items()}
    created = requests.post(server.url + "/api/v1/publications", headers=auth["clerk"], timeout=20,
                            json={"village": village, "category": "village", "title": title, "body": body})
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    assert requests.post(f"{server.url}/api/v1/publications/{pid}/approve", headers=auth["supervisor"],
                         timeout=20).status_code == 200
    published = requests.post(f"{server.url}/api/v1/publications/{pid}/publish", headers=auth["clerk"], timeout=20)
    assert published.status_code == 200, published.text
    return pid


def _wait_total(server, q, expected, timeout=20):
    import time
    deadline = time.time() + timeout
    while True:
        got = requests.get(server.url + "/api/v1/search", params={"q": q, "page": 1}, timeout=10)
        assert got.status_code == 200, got.text
        if got.json()["total"] == expected or time.time() > deadline:
            return got.json()
        time.sleep(0.2)


VILLAGE = "350528100200"   # 后溪村


@pytest.fixture
def server(tmp_path):
    server = LiveServer(tmp_path / "instance").start()
    yield server
    server.stop()


def test_empty_body_and_four_more_records_keep_search_up(server):
    tokens = {"clerk": server.token("clerk_houxi"), "supervisor": server.token("supervisor_houxi")}
    requests.get(server.url + "/api/v1/search", params={"q": "村"}, timeout=10)       # catch-up done
    _publish(server, tokens, VILLAGE, "只有标题的通知", "")
    for i in range(12):                                  # enough small segments for Whoosh to merge them
        _publish(server, tokens, VILLAGE, f"空正文测试后续通知{i}号", f"第{i}号通知的正文。")
    body = _wait_total(server, '"空正文测试后续通知"', 12)
    assert body["total"] == 12
    for path, params in (("/api/v1/search", {"q": "村"}), ("/search", {"q": "村"}), ("/search", {}),
                         ("/api/v1/search", {"q": "只有标题"})):
        got = requests.get(server.url + path, params=params, timeout=10)
        assert got.status_code == 200, (path, got.status_code, got.text[:300])
    assert _wait_total(server, "只有标题", 1)["results"][0]["title"] == "只有标题的通知"
    result = server.cli("search", "rebuild", "--procs", "1")
    assert result.returncode == 0, result.stderr
    assert requests.get(server.url + "/api/v1/search", params={"q": "村"}, timeout=10).status_code == 200


def test_kill_and_restart_catch_up_does_not_duplicate(tmp_path):
    """kill -9 after publishing, the state file set back (the crash came before it was written), restart twice."""
    server = LiveServer(tmp_path / "instance").start()
    try:
        tokens = {"clerk": server.token("clerk_houxi"), "supervisor": server.token("supervisor_houxi")}
        requests.get(server.url + "/api/v1/search", timeout=10)
        for i in range(6):
            _publish(server, tokens, VILLAGE, f"重启去重测试通知{i}号", "重启后不应出现重复结果。")
        assert _wait_total(server, '"重启去重测试"', 6)["total"] == 6
        everything = _wait_total(server, "", -1, timeout=0)["total"]
        state_path = server.instance / "index" / "search_state.json"
        for _ in range(2):
            server.proc.send_signal(signal.SIGKILL)
            server.proc.wait(10)
            state = json.loads(state_path.read_text())
            state["audit_index"] = 0                           # replay (nearly) the whole log on restart
            state_path.write_text(json.dumps(state))
            server.port_restart = server.start()
            requests.get(server.url + "/api/v1/search", timeout=10)       # triggers the catch-up
            import time
            deadline = time.time() + 20
            while json.loads(state_path.read_text()).get("audit_index") == 0 and time.time() < deadline:
                time.sleep(0.2)
            hits = requests.get(server.url + "/api/v1/search", params={"q": '"重启去重测试"', "page": 1}, timeout=10).json()
            assert hits["total"] == 6, hits["total"]
            assert sorted(r["id"] for r in hits["results"]) == sorted({r["id"] for r in hits["results"]})
            assert _wait_total(server, "", -1, timeout=0)["total"] == everything
    finally:
        server.stop()
