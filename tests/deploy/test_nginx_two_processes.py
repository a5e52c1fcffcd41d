"""deploy/ as shipped: nginx (ip_hash, WebSocket upgrade) in front of two portal processes on
PostgreSQL + Redis. Live items reach viewers of both processes in order, a publish on one is
searchable on the other within 2 s, the sign-in throttle counts across both, /readyz sees Redis."""
import http.client
import json
import re
import time

import pytest
import requests

from tests.conftest import REDIS_URL, LiveServer, missing
from tests.deploy.helpers import publish, search_ids
from tests.deploy.nginx import NGINX, Nginx
from tests.meetings.live_helpers import Viewer, live_meeting


def redis_available():
    try:
        import redis
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception:
        return False


@pytest.fixture
def cluster(tmp_path, pg_url):
    if not redis_available():
        missing("Redis at 127.0.0.1:6379")
    import os
    if not os.path.exists(NGINX):
        missing("nginx (Debian package nginx)")
    env = {"DATABASE_URL": pg_url, "SOCKETIO_MESSAGE_QUEUE": REDIS_URL, "PORTAL_PROXIES": "1",
           "SECRET_KEY": "k" * 64, "AUDIT_KEY_PASSPHRASE": "test-passphrase-shared-by-both",
           "PORTAL_LOGIN_MAX_FAILURES": "4"}
    first = LiveServer(tmp_path / "p1" / "instance", env=env).start()
    second = LiveServer(tmp_path / "p2" / "instance", env=env, demo=False)
    proxy = None
    try:
        second.start()
        proxy = Nginx(tmp_path / "nginx", [first.port, second.port]).start()
        yield first, second, proxy
    finally:
        if proxy:
            proxy.stop()
        second.stop()
        first.stop()


def until_ready(url, timeout=120):
    """/readyz through nginx, asked as a load balancer asks it: until ready (a process starting on a
    log it has indexed before re-applies its last entries first), or the last answer."""
    deadline = time.time() + timeout
    while True:
        body = requests.get(url + "/readyz", timeout=10).json()
        if body["status"] == "ready" or time.time() > deadline:
            return body
        time.sleep(0.5)


def pid_seen_from(proxy, source):
    """GET /healthz through nginx from a given loopback source address; the serving process's pid."""
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", "/healthz")
        return json.loads(conn.getresponse().read())["pid"]
    finally:
        conn.close()


def failed_login(url, username):
    session = requests.Session()
    page = session.get(url + "/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return session.post(url + "/login", data={"csrf_token": token, "username": username,
                                               "password": "wrong-password"}, timeout=10).status_code


@pytest.mark.slow
def test_two_processes_behind_nginx(cluster):
    first, second, proxy = cluster
    pids = {first.proc.pid, second.proc.pid}

    # ip_hash: each client address stays on one process; the addresses spread over both
    seen = {}
    for n in range(1, 25):
        source = f"127.0.{n}.1"
        seen[source] = pid_seen_from(proxy, source)
        assert pid_seen_from(proxy, source) == seen[source]
    assert set(seen.values()) == pids

    ready = until_ready(proxy.url)
    assert ready["status"] == "ready" and ready["checks"]["redis"]["ok"], ready

    # live: the host and one viewer through nginx (WebSocket upgrade), viewers straight on each process
    token = first.token("clerk_houxi")
    meeting = live_meeting(first, token)
    viewers = []
    try:
        host = Viewer(proxy.url, token).connect()
        viewers.append(host)
        for url in (proxy.url, first.url, second.url, second.url):
            viewer = Viewer(url).connect()
            viewers.append(viewer)
            assert viewer.join(meeting)["ok"]
        for i in range(30):
            ack = host.call("post", {"meeting": meeting, "kind": "transcript", "data": {"text": f"第{i}条"}})
            assert ack["ok"], ack
        for viewer in viewers[1:]:
            assert viewer.wait_for(lambda v: v.last_seq >= 31), viewer.seqs()
            assert viewer.seqs() == list(range(1, 32))
    finally:
        for viewer in viewers:
            viewer.close()

    # a publish through one process is searchable on the other within 2 s
    clerk, sup = first.token("clerk_houxi"), first.token("supervisor_houxi")
    for writer, reader, title in ((first, second, "跨进程检索的灌溉渠公示"), (second, first, "反向检索的桥梁加固公示")):
        pub = publish(writer.url, clerk, sup, title)
        published = time.monotonic()
        while pub not in search_ids(reader.url, title[-6:]):
            assert time.monotonic() - published < 2.0, f"{title} not searchable on the other process"
            time.sleep(0.1)

    # the sign-in throttle (4 failures) counts across both processes and through nginx
    assert [failed_login(u, "resident_houxi") for u in (first.url, second.url, proxy.url, second.url)] == [401] * 4
    assert failed_login(first.url, "resident_houxi") == 429
    assert failed_login(proxy.url, "resident_houxi") == 429
