"""The /live namespace against a real server: order, resume, late join, security, bad payloads."""
import pytest

from live_helpers import NS, Viewer, api, live_meeting, server, tokens  # noqa: F401 (fixtures)


@pytest.fixture
def viewers():
    made = []
    yield made
    for v in made:
        v.close()


def viewer(made, server, token=None):
    v = Viewer(server.url, token).connect()
    made.append(v)
    return v


def post(host, meeting, n, start=0):
    acks = [host.call("post", {"meeting": meeting, "kind": "transcript", "data": {"text": f"第{i}条"}})
            for i in range(start, start + n)]
    assert all(a["ok"] for a in acks), acks
    return [a["seq"] for a in acks]


def test_items_arrive_in_order_and_match_rest(server, tokens, viewers):
    meeting = live_meeting(server, tokens["clerk_houxi"])
    host = viewer(viewers, server, tokens["clerk_houxi"])
    watcher = viewer(viewers, server)
    ack = watcher.join(meeting)
    assert ack["ok"] and ack["last_seq"] == 1 and ack["host"] is False
    seqs = post(host, meeting, 30)
    assert seqs == list(range(2, 32))
    assert watcher.wait_for(lambda v: v.last_seq == 31)
    assert watcher.seqs() == list(range(1, 32))
    assert [i["data"]["text"] for i in watcher.items[1:]] == [f"第{i}条" for i in range(30)]
    rest = api(server, "GET", f"/api/v1/meetings/{meeting}/items?after=10").json()
    assert [i["seq"] for i in rest["items"]] == list(range(11, 32))
    assert rest["items"][0] == watcher.items[10]
    assert all(i["at"].endswith("+08:00") for i in rest["items"])


def test_resume_after_disconnect_gets_exactly_the_missed_items(server, tokens, viewers):
    meeting = live_meeting(server, tokens["clerk_houxi"])
    host = viewer(viewers, server, tokens["clerk_houxi"])
    first = viewer(viewers, server)
    first.join(meeting)
    post(host, meeting, 5)
    assert first.wait_for(lambda v: v.last_seq == 6)
    first.close()
    post(host, meeting, 7, start=5)
    again = viewer(viewers, server)
    ack = again.join(meeting, last_seq=first.last_seq)
    assert ack["ok"] and ack["last_seq"] == 13
    assert again.seqs() == list(range(7, 14))
    post(host, meeting, 2, start=12)
    assert again.wait_for(lambda v: v.last_seq == 15)
    assert again.seqs() == list(range(7, 16))


def test_late_joiner_gets_backlog_then_live_without_duplicates(server, tokens, viewers):
    meeting = live_meeting(server, tokens["clerk_houxi"])
    host = viewer(viewers, server, tokens["clerk_houxi"])
    post(host, meeting, 20)
    late = viewer(viewers, server)
    import threading
    poster = threading.Thread(target=post, args=(host, meeting, 20, 20))
    poster.start()  # posts race the late joiner's backlog read
    late.join(meeting)
    poster.join()
    assert late.wait_for(lambda v: v.last_seq == 41)
    assert late.seqs() == list(range(1, 42))


def test_only_the_host_posts(server, tokens, viewers):
    meeting = live_meeting(server, tokens["clerk_houxi"])
    anonymous = viewer(viewers, server)
    resident = viewer(viewers, server, tokens["resident_houxi"])
    other_clerk = viewer(viewers, server, tokens["clerk_shicheng"])
    admin = viewer(viewers, server, tokens["admin"])
    forged = {"meeting": meeting, "kind": "notice", "data": {"text": "假通知"}, "host": True,
              "user": "clerk_houxi", "seq": 99, "token": tokens["clerk_houxi"]}
    for v in (anonymous, resident, other_clerk):
        ack = v.call("post", forged)
        assert ack == {"ok": False, "error": {"code": "not_host", "message": ack["error"]["message"]}}
    ack = admin.call("post", {"meeting": meeting, "kind": "notice", "data": {"text": "管理员通知", "seq": 99}})
    assert ack["ok"] and ack["seq"] == 2
    items = api(server, "GET", f"/api/v1/meetings/{meeting}/items").json()["items"]
    assert [i["data"] for i in items[1:]] == [{"text": "管理员通知"}]
    r = api(server, "POST", f"/api/v1/meetings/{meeting}/items", tokens["clerk_shicheng"],
            json={"kind": "notice", "data": {"text": "x"}})
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_host"


def test_invalid_token_is_refused_at_connect(server):
    import socketio
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server.url, namespaces=[NS], auth={"token": "svp_forged"}, transports=["websocket"],
                       wait_timeout=5)


@pytest.mark.parametrize("event,payload,code", [
    ("join", {"meeting": 999999}, "unknown_meeting"),
    ("join", {"meeting": "1; DROP TABLE meeting"}, "unknown_meeting"),
    ("join", {"meeting": 1, "last_seq": -5}, "bad_last_seq"),
    ("join", ["not", "an", "object"], "bad_payload"),
    ("join", "text", "bad_payload"),
    ("post", {"meeting": None}, "unknown_meeting"),
    ("question", {"meeting": 999999, "text": "?"}, "unknown_meeting"),
    ("moderate", {"meeting": {"a": 1}}, "unknown_meeting"),
])
def test_malformed_payloads_get_error_acks(server, viewers, event, payload, code):
    v = viewer(viewers, server)
    ack = v.call(event, payload)
    assert ack["ok"] is False and ack["error"]["code"] == code
    assert v.call("join", {"meeting": 999999})["error"]["code"] == "unknown_meeting"  # still alive


@pytest.mark.parametrize("kind,data,code", [
    ("transcript", {"text": "x" * 2001}, "text_too_long"),
    ("transcript", {"text": "x" * 9000}, "too_large"),
    ("transcript", {}, "missing_text"),
    ("vote", {"motion": "m", "for": -1, "against": 0, "abstain": 0, "result": "passed"}, "bad_for"),
    ("vote", {"motion": "m", "for": 1, "against": 0, "abstain": 0, "result": "maybe"}, "bad_result"),
    ("bid_price", {"bidder": "甲", "price": "NaN"}, "bad_price"),
    ("agenda", {"index": 7}, "bad_index"),
    ("photo", {"sha256": "0" * 64}, "bad_photo"),
    ("question", {"text": "forged approved question"}, "bad_kind"),
    ("status", {"status": "ended"}, "bad_kind"),
    ("transcript", "not a dict", "bad_data"),
])
def test_bad_items_are_rejected_and_write_nothing(server, tokens, viewers, kind, data, code):
    meeting = live_meeting(server, tokens["clerk_houxi"])
    host = viewer(viewers, server, tokens["clerk_houxi"])
    ack = host.call("post", {"meeting": meeting, "kind": kind, "data": data})
    assert ack["ok"] is False and ack["error"]["code"] == code
    assert api(server, "GET", f"/api/v1/meetings/{meeting}/items").json()["last_seq"] == 1


def test_oversized_message_does_not_crash_the_server(server, tokens, viewers):
    import socketio
    meeting = live_meeting(server, tokens["clerk_houxi"])
    big = Viewer(server.url, tokens["clerk_houxi"]).connect()
    viewers.append(big)
    try:
        big.sio.emit("post", {"meeting": meeting, "kind": "transcript", "data": {"text": "x" * 2_000_000}},
                     namespace=NS)
    except socketio.exceptions.SocketIOError:
        pass
    fresh = viewer(viewers, server)
    assert fresh.join(meeting)["ok"]
    assert api(server, "GET", f"/api/v1/meetings/{meeting}/items").json()["last_seq"] == 1


def test_questions_are_moderated_and_escaped(server, tokens, viewers):
    meeting = live_meeting(server, tokens["clerk_houxi"])
    host = viewer(viewers, server, tokens["clerk_houxi"])
    assert host.join(meeting)["host"] is True
    watcher = viewer(viewers, server)
    watcher.join(meeting)
    anonymous_ack = watcher.call("question", {"meeting": meeting, "text": "匿名能问吗"})
    assert anonymous_ack["error"]["code"] == "login_required"
    resident = viewer(viewers, server, tokens["resident_houxi"])
    resident.join(meeting)
    text = "<script>alert(1)</script> 路灯什么时候修？"
    ack = resident.call("question", {"meeting": meeting, "text": text})
    assert ack["ok"]
    assert resident.call("question", {"meeting": meeting, "text": "再问一次"})["error"]["code"] == "rate_limited"
    assert host.wait_for(lambda v: v.pending)
    assert host.pending[0]["text"] == text and host.pending[0]["asker"].endswith("**")
    assert resident.call("moderate", {"meeting": meeting, "question": ack["question"],
                                      "action": "approve"})["error"]["code"] == "not_host"
    assert not watcher.wait_for(lambda v: v.last_seq > 1, timeout=0.5)  # pending questions stay private
    moderated = host.call("moderate", {"meeting": meeting, "question": ack["question"], "action": "approve"})
    assert moderated["ok"] and moderated["seq"] == 2
    assert watcher.wait_for(lambda v: v.last_seq == 2)
    assert watcher.items[-1]["kind"] == "question" and watcher.items[-1]["data"]["text"] == text
    again = host.call("moderate", {"meeting": meeting, "question": ack["question"], "action": "hide"})
    assert again["error"]["code"] == "already_moderated"


def test_end_archives_the_record_in_the_audit_log(server, tokens, viewers):
    meeting = live_meeting(server, tokens["clerk_houxi"])
    host = viewer(viewers, server, tokens["clerk_houxi"])
    watcher = viewer(viewers, server)
    watcher.join(meeting)
    host.call("post", {"meeting": meeting, "kind": "vote", "data": {
        "motion": "同意维修路灯", "for": 9, "against": 1, "abstain": 0, "result": "passed"}})
    host.call("post", {"meeting": meeting, "kind": "agenda", "data": {"index": 1}})
    r = api(server, "POST", f"/api/v1/meetings/{meeting}/end", tokens["clerk_houxi"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ended" and body["archive_audit_index"] is not None
    assert body["peak_viewers"] >= 1
    assert watcher.wait_for(lambda v: v.items and v.items[-1]["kind"] == "status"
                            and v.items[-1]["data"]["status"] == "ended")
    assert host.call("post", {"meeting": meeting, "kind": "notice", "data": {"text": "x"}})["error"]["code"] == "not_live"
    replay = api(server, "GET", f"/meetings/{meeting}/replay")
    assert replay.status_code == 200 and "同意维修路灯" in replay.text and 'data-offset="' in replay.text
    again = api(server, "POST", f"/api/v1/meetings/{meeting}/end", tokens["clerk_houxi"])
    assert again.status_code == 409
