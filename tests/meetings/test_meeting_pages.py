"""Pages through the Flask test client: scheduling form, console access, replay, photos."""
import io

from portal.demo import DEMO_PASSWORD

HOUXI = "350528100200"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def login(client, username):
    r = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 302


def test_clerk_schedules_runs_and_ends_a_meeting_from_pages(client, demo):
    login(client, "clerk_houxi")
    r = client.post(f"/v/{HOUXI}/meetings/new", data={
        "title": "页面测试会", "kind": "representatives", "starts_at": "2026-07-01T09:30", "place": "祠堂",
        "agenda_collect": "路灯\n水渠", "agenda_review": "监委会验收", "links": "appeal|A-1|路灯诉求"})
    assert r.status_code == 302 and "/console" in r.headers["Location"]
    console = r.headers["Location"]
    meeting_id = int(console.split("/")[2])
    assert "开始直播" in client.get(console).get_data(as_text=True)
    assert client.post(f"/meetings/{meeting_id}/start").status_code == 302
    page = client.get(console).get_data(as_text=True)
    assert "结束会议并归档" in page and "监委会验收" in page
    r = client.post(f"/meetings/{meeting_id}/photo", data={"caption": "会场", "photo": (io.BytesIO(PNG), "a.png")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    items = client.get(f"/api/v1/meetings/{meeting_id}/items").get_json()["items"]
    photo = items[-1]["data"]
    assert items[-1]["kind"] == "photo" and client.get(photo["url"]).data == PNG
    bad = client.post(f"/meetings/{meeting_id}/photo", data={"photo": (io.BytesIO(b"GIF89a"), "a.gif")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "只能上传JPEG、PNG或WebP图片" in bad.get_data(as_text=True)
    assert client.get(f"/meetings/{meeting_id}/replay").status_code == 302  # not ended yet
    assert client.post(f"/meetings/{meeting_id}/end").status_code == 302
    replay = client.get(f"/meetings/{meeting_id}/replay").get_data(as_text=True)
    assert "页面测试会" in replay and "会场" in replay
    village = client.get(f"/v/{HOUXI}").get_data(as_text=True)
    assert "页面测试会" in village and "已结束" in village


def test_bad_form_and_foreign_users_are_refused(client, demo):
    login(client, "clerk_houxi")
    r = client.post(f"/v/{HOUXI}/meetings/new", data={"title": "无议程", "kind": "council",
                                                       "starts_at": "2026-07-01T09:30", "place": "村委会"})
    assert r.status_code == 400 and "请至少填写一项议程" in r.get_data(as_text=True)
    assert client.get("/v/350528100210/meetings/new").status_code == 403  # another village
    client.post("/logout")
    login(client, "resident_houxi")
    assert client.get("/meetings/1/console").status_code == 403
    assert client.post("/meetings/1/start").status_code == 403
    assert client.get("/meetings/999/console").status_code == 404
