"""Socket.IO acks speak the API's error vocabulary: ``{"ok": false, "error": {"code", "message"}}``."""
import pytest
import socketio

NS = "/live"
BIG = 99999999999999999999999


@pytest.fixture
def client(server, tokens):
    sio = socketio.Client()
    sio.connect(server.url, namespaces=[NS], auth={"token": tokens["clerk_houxi"]}, transports=["websocket"],
                wait_timeout=10)
    yield sio
    sio.disconnect()


@pytest.mark.parametrize("event,payload", [
    ("join", {"meeting": BIG}), ("join", {"meeting": "1", "last_seq": -1}), ("join", ["not", "an", "object"]),
    ("post", {"meeting": BIG, "kind": "notice", "data": {}}), ("post", {"meeting": [1], "kind": {}, "data": []}),
    ("question", {"meeting": BIG, "text": ["x"]}), ("moderate", {"meeting": 1, "question": BIG, "action": []}),
    ("leave", "x"),
])
def test_error_acks_carry_the_error_object(client, event, payload):
    ack = client.call(event, payload, namespace=NS, timeout=10)
    assert ack["ok"] is False, ack
    assert set(ack["error"]) >= {"code", "message"}, ack
    assert ack["error"]["code"] != "internal_error", ack
    assert not ack["error"]["message"].isascii(), ack  # Chinese


def test_refused_connection_carries_the_error_object(server):
    sio = socketio.Client()
    refusals = []
    sio.on("connect_error", refusals.append, namespace=NS)
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio.connect(server.url, namespaces=[NS], auth={"token": "svp_wrong"}, transports=["websocket"],
                    wait_timeout=10)
    assert refusals and refusals[0]["data"]["error"]["code"] == "invalid_token", refusals
    assert refusals[0]["message"] == refusals[0]["data"]["error"]["message"] == "访问令牌无效。"
