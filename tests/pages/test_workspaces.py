"""A workspace for every role: where each lands after sign-in, with counts and the next step."""
import ast
from pathlib import Path

from portal.publications import services
from portal.publications.models import Publication
from tests.pages.helpers import COUNTY, HOUXI, NANLING, login, text_of

ROOT = Path(__file__).resolve().parents[2]


def test_clerk_lands_on_a_workspace_with_counts_reasons_and_next_steps(app, demo):
    client = app.test_client()
    assert login(client, "clerk_houxi").headers["Location"] == "/work"
    html = client.get("/work").get_data(as_text=True)
    page = text_of(html)
    assert 'id="workspace-counts"' in html
    for panel in ("被退回的草稿", "等待审核的草稿", "待答复的异议", "到期或逾期的公开责任", "我主持的会议"):
        assert panel in page
    assert "退回理由：请补充附表，并注明每次用章的审批人。" in page
    assert "修改草稿" in page and "去答复" in page and "打开主持台" in page
    assert "后溪村2026年第二季度议事会" in page


def test_supervisor_sees_drafts_and_objections_to_review(app, demo):
    client = app.test_client()
    assert login(client, "supervisor_houxi").headers["Location"] == "/work"
    page = text_of(client.get("/work").get_data(as_text=True))
    assert "等待审核的草稿" in page and "后溪村2026年第一季度村务工作公开" in page
    assert "等待审核的异议" in page and "施工期间车辆如何通行" in page and "去审核" in page


def test_inspector_sees_the_overview_of_their_township_and_the_county(app, demo):
    client = app.test_client()
    login(client, "inspector_county")
    page = text_of(client.get("/work").get_data(as_text=True))
    assert "逾期未公开（按村）" in page and "岭头村" in page and "最新公开" in page and "最新更正" in page
    assert "后溪村集体鱼塘承包结果公示" in page          # the demo's correction
    client.post("/logout")
    login(client, "inspector_100")
    page = text_of(client.get("/work").get_data(as_text=True))
    assert "南岭镇总览" in page and "后溪村" in page and "岭头村" not in page   # another township's village


def test_the_county_page_exists_and_home_links_each_townships_overview(client, demo):
    county = client.get(f"/u/{COUNTY}")
    assert county.status_code == 200 and "南岭镇" in text_of(county.get_data(as_text=True))
    home = client.get("/").get_data(as_text=True)
    assert f"/u/{NANLING}/duties" in home and f'href="/u/{COUNTY}"' in home
    assert client.get("/u/999999999999").status_code == 404


def test_admin_workspace_counts_users_units_keys_and_rules(app, demo):
    client = app.test_client()
    login(client, "admin")
    page = text_of(client.get("/work").get_data(as_text=True))
    for words in ("用户", "行政区划", "签名密钥", "在用规则"):
        assert words in page


def test_a_resident_lands_on_their_village(app, demo):
    client = app.test_client()
    assert login(client, "resident_houxi").headers["Location"] == f"/v/{HOUXI}"


def test_saving_a_draft_says_it_already_waits_for_review(app, people):
    client = app.test_client()
    login(client, "clerk_houxi")
    r = client.post(f"/v/{HOUXI}/publications/new", data={"title": "测试草稿", "category": "village", "body": "正文"},
                    follow_redirects=True)
    page = text_of(r.get_data(as_text=True))
    assert "已送村务监督委员会审核" in page and "提交审核" not in page
    assert "下一步：等待村务监督委员会审核" in page


def test_a_draft_shows_no_running_period_and_no_print_or_qr(app, people):
    pub = services.create_draft(people.clerk, people.village, {
        "title": "草稿公示", "category": "pre", "body": "x", "period_start": "2026-12-01", "period_end": "2026-12-30"})
    client = app.test_client()
    login(client, "clerk_houxi")
    html = client.get(f"/p/{pub.id}").get_data(as_text=True)
    assert "公示中" not in html and f"/p/{pub.id}/print" not in html and f"/p/{pub.id}/qr.svg" not in html
    assert client.get(f"/p/{pub.id}/print").status_code == 404
    assert client.get(f"/p/{pub.id}/qr.svg").status_code == 404
    client.post("/logout")
    login(client, "resident_houxi")
    assert client.get(f"/p/{pub.id}/print").status_code == 404


def test_a_refusal_is_shown_on_its_field(app, people, unchanged):
    client = app.test_client()
    login(client, "clerk_houxi")
    with unchanged():
        r = client.post(f"/v/{HOUXI}/publications/new", data={
            "title": "未来决定", "category": "village", "body": "x", "amount": "50000", "decided_on": "2099-01-01"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    field = html[html.find('name="decided_on"') - 400:html.find('name="decided_on"') + 400]
    assert "field-error" in field


def _imports(path):
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}


def test_every_form_page_uses_the_one_core_helper():
    for path in ("portal/publications/staff_pages.py", "portal/meetings/views.py", "portal/admin/views.py",
                 "portal/publications/duty_admin.py"):
        source = (ROOT / path).read_text(encoding="utf-8")
        assert "portal.core.forms" in _imports(path), path
        # The users page shows a new password once in the POST answer (201, no redirect), so it
        # validates by hand and reports through the helper's flash_form_errors/show_refusal.
        allowed = 1 if path == "portal/admin/views.py" else 0
        assert source.count("validate_on_submit") == allowed, path
    assert not any(m and m.startswith("portal.admin") for m in _imports("portal/publications/duty_admin.py"))
    assert Publication  # the model module is importable alongside (no cycle through admin)
