"""Shared by the meeting tests: a module-wide server, tokens, and a python-socketio viewer
that keeps its last sequence number and re-joins on reconnect.

(No conftest.py here: other test folders import the top-level ``conftest`` by name.)
"""
import threading
import time

import pytest
import requests
import socketio


NS = "/live"
HOUXI = "350528100200"
AGENDA = [{"step": "collect", "title": "收集问题"}, {"step": "deliberate", "title": "协商议事"}]


class Viewer:
    def __init__(self, url, token=None, meeting=None):
        self.url, self.token, self.meeting = url, token, meeting
        self.items, self.viewers, self.pending, self.errors = [], [], [], []
        self.last_seq = 0
        self.joins = 0
        self.changed = threading.Condition()
        self.sio = socketio.Client(reconnection_delay=0.2, reconnection_delay_max=1)
        self.sio.on("item", self._item, namespace=NS)
        self.sio.on("viewers", self._viewers, namespace=NS)
        self.sio.on("question_pending", self.pending.append, namespace=NS)
        self.sio.on("connect", self._connected, namespace=NS)

    def connect(self):
        auth = {"token": self.token} if self.token else None
        self.sio.connect(self.url, namespaces=[NS], auth=auth, transports=["websocket"], wait_timeout=10)
        return self

    def _connected(self):
        if self.meeting is not None:
            # On a reconnect python-socketio runs this in its own thread: emit, don't call.
            self.sio.emit("join", {"meeting": self.meeting, "last_seq": self.last_seq}, namespace=NS,
                          callback=self._joined)

    def _joined(self, ack):
        with self.changed:
            self.joins += 1
            if not ack.get("ok"):
                self.errors.append(ack)
            self.changed.notify_all()

    def _item(self, item):
        with self.changed:
            self.items.append(item)
            self.last_seq = max(self.last_seq, item["seq"])
            self.changed.notify_all()

    def _viewers(self, msg):
        with self.changed:
            self.viewers.append(msg["count"])
            self.changed.notify_all()

    def join(self, meeting, last_seq=0):
        self.meeting, self.last_seq = meeting, last_seq
        return self.call("join", {"meeting": meeting, "last_seq": last_seq})

    def call(self, event, data):
        return self.sio.call(event, data, namespace=NS, timeout=15)

    def wait_for(self, predicate, timeout=20):
        deadline = time.time() + timeout
        with self.changed:
            while not predicate(self):
                left = deadline - time.time()
                if left <= 0:
                    return False
                self.changed.wait(min(left, 0.2))
        return True

    def seqs(self):
        return [i["seq"] for i in self.items]

    def close(self):
        self.sio.disconnect()


def api(server, method, path, token=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, server.url + path, headers=headers, timeout=30, **kwargs)


def live_meeting(server, token, title="测试议事会"):
    """Create and start a meeting in 后溪村 through the REST API; returns its id."""
    r = api(server, "POST", "/api/v1/meetings", token, json={
        "village": HOUXI, "title": title, "kind": "council", "starts_at": "2026-06-01T09:30",
        "place": "村委会", "agenda": AGENDA})
    assert r.status_code == 201, r.text
    meeting = r.json()["id"]
    r = api(server, "POST", f"/api/v1/meetings/{meeting}/start", token)
    assert r.status_code == 200, r.text
    return meeting


@pytest.fixture(scope="module")
def server(module_server):
    return module_server


@pytest.fixture(scope="module")
def tokens(server):
    names = ("clerk_houxi", "clerk_shicheng", "resident_houxi", "resident_shicheng", "admin")
    return {name: server.token(name) for name in names}
