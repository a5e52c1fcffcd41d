"""Pages a villager can read: the audit log in plain words, home, footer, favicon, diffs, print, meetings."""
import re
from pathlib import Path

from tests.pages.helpers import HOUXI, login, text_of

ROOT = Path(__file__).resolve().parents[2]


def test_audit_page_says_village_record_what_and_when_in_china_time(client, demo):
    # The newest entries are the second wave's demo content; publish one now so a publication leads.
    from portal.accounts.models import User
    from portal.publications import services
    from portal.units.models import Unit
    clerk, supervisor = User.get(User.username == "clerk_houxi"), User.get(User.username == "supervisor_houxi")
    pub = services.create_draft(clerk, Unit.get(Unit.code == "350528100200"),
                                {"title": "村道维修公示", "category": "village", "body": "村道维修。"})
    services.approve(supervisor, pub)
    services.publish(clerk, pub)
    html = client.get("/audit").get_data(as_text=True)
    recent = html[html.find('id="recent-entries"'):html.find('id="tech-details"')]
    words = text_of("<main>" + recent + "</main>")
    assert re.search(r"\S+(村|社区) · 《[^》]+》 已公开 · \d+月\d+日 \d\d:\d\d", words), words[:600]
    assert "publication.publish" not in recent and "publication/" not in recent
    assert 'href="/p/' in recent
    assert "技术细节" in html and "<details" in html


def test_audit_entry_page_folds_the_raw_entry_under_technical_details(client, demo):
    from audit.models import AuditEntry
    entry = AuditEntry.select().where(AuditEntry.action == "publication.publish").first()
    html = client.get(f"/audit/entry/{entry.index}").get_data(as_text=True)
    plain = html[html.find('id="entry-plain"'):html.find('id="tech-details"')]
    assert "已公开" in plain and "月" in plain and 'href="/p/' in plain and "publication." not in plain
    details = html[html.find('id="tech-details"'):]
    assert "publication.publish" in details and entry.leaf_hash in details


def test_drafts_in_the_log_are_not_named(client, demo):
    from audit.models import AuditEntry
    from portal.publications.models import Publication
    draft = Publication.get(Publication.title == "后溪村2026年第一季度村务工作公开")
    entry = AuditEntry.get((AuditEntry.object_type == "publication") & (AuditEntry.object_id == str(draft.id)))
    html = client.get(f"/audit/entry/{entry.index}").get_data(as_text=True)
    plain = html[html.find('id="entry-plain"'):html.find('id="tech-details"')]
    assert draft.status == "draft" and "一份草稿（尚未公开）" in plain
    assert draft.title not in html    # a draft's title stays private


def test_proof_widget_explains_itself_and_fails_only_in_chinese(client, demo):
    html = client.get("/p/3").get_data(as_text=True)
    assert "“核验通过”的意思是" in html
    for step in ("network", "http", "data", "checkpoint", "signature", "entry", "leaf", "proof", "root", "other"):
        assert f'data-msg-fail-{step}="' in html
    script = (ROOT / "static/audit/verify.js").read_text(encoding="utf-8")
    assert "err.message" not in script and not re.search(r'new Error\("[^"]*\s', script)


def test_home_shows_latest_notices_and_links_the_audit_log(client, demo):
    html = client.get("/").get_data(as_text=True)
    latest = html[html.find('id="home-publications"'):html.find('id="home-audit"')]
    assert len(re.findall(r'href="/p/\d+"', latest)) == 6 and "财务收支公开" in latest
    assert 'id="home-meetings"' in html
    footer = html[html.find('<footer'):]
    assert 'href="/audit"' in footer and "任何人都可以核验" in footer
    assert 'rel="icon"' in html and client.get("/static/favicon.svg").status_code == 200


def test_version_diff_shows_no_markdown(client, demo):
    from portal.publications.models import Publication
    corrected = Publication.get((Publication.title == "后溪村集体鱼塘承包结果公示") & (Publication.version == 2))
    html = client.get(f"/p/{corrected.id}").get_data(as_text=True)
    diff = html[html.find('id="diff"'):html.find("</pre>", html.find('id="diff"'))]
    assert "8,600元" in diff and "**" not in diff


def test_print_view_has_a_print_button(client, demo):
    html = client.get("/p/3/print").get_data(as_text=True)
    assert 'id="print-button"' in html and "print.js" in html
    assert client.get("/static/publications/print.js").status_code == 200


def test_meeting_links_are_chosen_from_a_list_and_shown_as_links(app, demo):
    client = app.test_client()
    login(client, "clerk_houxi")
    form = client.get(f"/v/{HOUXI}/meetings/new").get_data(as_text=True)
    assert 'type="checkbox" name="links" value="publication:3"' in form and "类型|编号|标题" not in form
    r = client.post(f"/v/{HOUXI}/meetings/new", data={
        "title": "关联测试会", "kind": "council", "starts_at": "2026-12-20T09:30", "place": "村委会",
        "agenda_collect": "路灯", "links": ["publication:3"]})
    meeting_id = int(r.headers["Location"].split("/")[2])
    html = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    links = html[html.find('id="meeting-links"'):]
    assert 'href="/p/3"' in links and "publication" not in text_of("<main>" + links[:600] + "</main>")


def test_ended_meeting_shows_no_live_viewer_line_nor_raw_type_codes(client, demo):
    page = text_of(client.get("/meetings/2").get_data(as_text=True))
    assert "在线观看" not in page and "连接中" not in page and "已连接" not in page
    assert "bid SC-2026-003" not in page and "招投标项目" in page
    assert re.search(r"最多 [1-9]\d* 人同时观看", page)


def test_demo_replay_has_real_timing(client, demo):
    html = client.get("/meetings/2/replay").get_data(as_text=True)
    offsets = [float(x) for x in re.findall(r'data-offset="([0-9.]+)"', html)]
    assert len(offsets) > 5 and len(set(offsets)) == len(offsets) and offsets[-1] > 600
    assert "最多 0 人" not in html
