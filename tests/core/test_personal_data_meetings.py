"""Issue 11 corpus, meetings: a number in a meeting's title, a transcript line, a notice or a
live question reaches viewers (Socket.IO), the REST items, the watch and replay pages and
search only masked."""
import json

import requests

from tests.core.test_personal_data_corpus import VARIANTS, assert_clean
from tests.meetings.live_helpers import HOUXI, NS, Viewer, api, live_meeting, server, tokens  # noqa: F401


def test_meeting_paths_are_masked(server, tokens):  # noqa: F811
    clerk, resident = tokens["clerk_houxi"], tokens["resident_houxi"]
    meeting = live_meeting(server, clerk, title=f"议事会（联系人 {VARIANTS[6][0]}）")
    watcher = Viewer(server.url, meeting=meeting).connect()
    assert watcher.wait_for(lambda v: v.joins >= 1)
    for i, (typed, _) in enumerate(VARIANTS):
        kind, data = (("transcript", {"speaker": "村民", "text": f"我的证号是 {typed}"}) if i % 2 == 0
                      else ("notice", {"text": f"请联系 {typed}"}))
        r = api(server, "POST", f"/api/v1/meetings/{meeting}/items", clerk, json={"kind": kind, "data": data})
        assert r.status_code == 201, r.text
    asker = Viewer(server.url, token=resident, meeting=meeting).connect()
    assert asker.wait_for(lambda v: v.joins >= 1)
    ack = asker.call("question", {"meeting": meeting, "text": f"我的卡号 {VARIANTS[8][0]}，电话 {VARIANTS[7][0]}"})
    assert ack.get("ok"), ack
    host = Viewer(server.url, token=clerk, meeting=meeting).connect()
    assert host.wait_for(lambda v: v.joins >= 1)
    assert host.call("moderate", {"meeting": meeting, "question": ack["question"], "action": "approve"}).get("ok")
    assert watcher.wait_for(lambda v: len(v.items) >= len(VARIANTS) + 1)
    assert_clean(json.dumps(watcher.items, ensure_ascii=False), "live items")
    assert_clean(json.dumps(host.pending, ensure_ascii=False), "pending questions to the host")
    for v in (watcher, asker, host):
        v.close()
    assert api(server, "POST", f"/api/v1/meetings/{meeting}/end", clerk).ok
    r = api(server, "GET", f"/api/v1/meetings/{meeting}/items")
    assert r.ok and len(r.json()["items"]) >= len(VARIANTS)
    assert_clean(json.dumps(r.json(), ensure_ascii=False), "REST items")
    assert_clean(json.dumps(api(server, "GET", f"/api/v1/meetings/{meeting}").json(), ensure_ascii=False),
                 "meeting JSON")
    for path in (f"/meetings/{meeting}", f"/meetings/{meeting}/replay", f"/v/{HOUXI}/meetings",
                 "/search?q=议事会", "/api/v1/search?q=议事会"):
        r = requests.get(server.url + path, timeout=30)
        assert r.status_code == 200, path
        assert_clean(r.text if "api" not in path else json.dumps(r.json(), ensure_ascii=False), path)
