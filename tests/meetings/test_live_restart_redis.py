"""Restart in mid-meeting, and two processes sharing broadcasts through Redis."""
import pytest

from live_helpers import Viewer, api, live_meeting
from tests.conftest import REDIS_URL, LiveServer, missing


def post(host, meeting, texts):
    for text in texts:
        ack = host.call("post", {"meeting": meeting, "kind": "transcript", "data": {"text": text}})
        assert ack["ok"], ack


def test_viewers_carry_on_after_a_server_restart(tmp_path):
    server = LiveServer(tmp_path / "instance").start()
    viewers = []
    try:
        token = server.token("clerk_houxi")
        meeting = live_meeting(server, token)
        host = Viewer(server.url, token).connect()
        watcher = Viewer(server.url).connect()
        viewers += [host, watcher]
        watcher.join(meeting)
        post(host, meeting, ["重启前一", "重启前二"])
        assert watcher.wait_for(lambda v: v.last_seq == 3)
        server.stop()
        server.start()  # same port, same instance
        assert watcher.wait_for(lambda v: v.joins >= 1, timeout=30)  # re-joined by itself
        assert host.wait_for(lambda v: v.sio.namespaces.get("/live"), timeout=30)
        post(host, meeting, ["重启后一", "重启后二"])
        assert watcher.wait_for(lambda v: v.last_seq == 5)
        assert watcher.seqs() == [1, 2, 3, 4, 5]
        assert [i["data"]["text"] for i in watcher.items[3:]] == ["重启后一", "重启后二"]
    finally:
        for v in viewers:
            v.close()
        server.stop()


def redis_available():
    try:
        import redis
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception:
        return False


def test_two_processes_share_items_and_viewer_count(tmp_path, pg_url):
    if not redis_available():
        missing("Redis at 127.0.0.1:6379")
    env = {"SOCKETIO_MESSAGE_QUEUE": REDIS_URL, "DATABASE_URL": pg_url}
    first = LiveServer(tmp_path / "instance", env=env).start()
    second = LiveServer(tmp_path / "instance", env=env, demo=False)
    viewers = []
    try:
        second.start()
        token = first.token("clerk_houxi")
        meeting = live_meeting(first, token)
        host = Viewer(first.url, token).connect()
        a1, a2 = Viewer(first.url).connect(), Viewer(first.url).connect()
        b1 = Viewer(second.url).connect()
        viewers += [host, a1, a2, b1]
        for v in (a1, a2, b1):
            assert v.join(meeting)["ok"]
        post(host, meeting, [f"第{i}条" for i in range(20)])
        late = Viewer(second.url).connect()
        viewers.append(late)
        late.join(meeting, last_seq=5)
        post(host, meeting, ["最后一条"])
        for v in (a1, a2, b1):
            assert v.wait_for(lambda v: v.last_seq == 22), v.seqs()
            assert v.seqs() == list(range(1, 23))
        assert late.wait_for(lambda v: v.last_seq == 22)
        assert late.seqs() == list(range(6, 23))
        # 2 viewers on the first process, 2 on the second: every one of them sees 4
        for v in (a1, a2, b1, late):
            assert v.wait_for(lambda v: v.viewers and v.viewers[-1] == 4, timeout=15), v.viewers
        second_rest = api(second, "GET", f"/api/v1/meetings/{meeting}/items").json()
        assert second_rest["last_seq"] == 22
    finally:
        for v in viewers:
            v.close()
        second.stop()
        first.stop()
