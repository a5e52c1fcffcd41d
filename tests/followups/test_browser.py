"""Playwright (Chromium, 375×812): an inspector opens a follow-up from a record's page, the clerk answers
from the workspace, the inspector concludes; a resident reads it on the record's page; overdue is red.

Screenshots of every follow-up page go to /tmp/shots/followups/.
"""
from pathlib import Path

import pytest

from tests.conftest import browser_login
from tests.followups.conftest import HOUXI, Site, days

SHOTS = Path("/tmp/shots/followups")


@pytest.fixture
def phones(browser):
    contexts = []

    def open_as(base_url, username=None):
        context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True,
                                      has_touch=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        if username:
            browser_login(page, base_url, username)
        return page
    yield open_as
    for context in contexts:
        context.close()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_open_answer_conclude_in_the_browser(module_server, phones):
    site = Site(module_server)
    url = site.url
    pub = site.publication(HOUXI, 1)
    inspector = phones(url, "inspector_100")
    inspector.goto(f"{url}/p/{pub}")
    inspector.click("#open-followup")
    shot(inspector, "new")
    inspector.fill("textarea[name=question]", "请说明村道路灯维修费用的支出依据。")
    inspector.select_option("select[name=assignee]", "clerk_houxi")
    inspector.fill("input[name=due]", days(-1))
    inspector.click("#followup-form button[type=submit]")
    assert "答复期限不能早于今天" in inspector.inner_text("main")  # refused, nothing written
    assert "请说明村道路灯维修费用" not in site.get(f"/p/{pub}").text
    inspector.fill("input[name=due]", days(5))
    inspector.click("#followup-form button[type=submit]")
    assert "督办已发出" in inspector.inner_text("main")
    followup_url = inspector.url
    assert "/followups/" in followup_url

    clerk = phones(url, "clerk_houxi")
    clerk.goto(f"{url}/work")
    assert "请说明村道路灯维修费用" in clerk.inner_text("#panel-followups-answer")
    shot(clerk, "workspace_clerk")
    clerk.goto(followup_url)
    clerk.fill("textarea[name=text]", "路灯维修费用1200元，经村民代表会议表决，发票已公开。")
    clerk.click("#answer-form button[type=submit]")
    assert "已答复" in clerk.inner_text("#followup")
    shot(clerk, "detail_answered")

    inspector.goto(followup_url)
    inspector.fill("#conclude-form textarea[name=conclusion]", "支出依据充分。")
    inspector.click("#conclude-form button[type=submit]")
    assert "办结须给出结论" in inspector.inner_text("main")  # no finding chosen
    inspector.check("#conclude-form input[value=no_problem]")
    inspector.fill("#conclude-form textarea[name=conclusion]", "支出依据充分。")
    inspector.click("#conclude-form button[type=submit]")
    assert "未发现问题" in inspector.inner_text("#finding")
    shot(inspector, "detail_concluded")

    resident = phones(url)
    resident.goto(f"{url}/p/{pub}")
    panel = resident.inner_text("#followups-panel")
    assert "纪检监察督办：请说明村道路灯维修费用的支出依据，限期" in panel and "路灯维修费用1200元" in panel
    assert resident.locator("#open-followup").count() == 0
    resident.locator("#followups-panel").scroll_into_view_if_needed()
    shot(resident, "record_panel")
    resident.goto(f"{url}/v/{HOUXI}/followups")
    assert "请说明村道路灯维修费用" in resident.inner_text("main")
    shot(resident, "village_list")


def test_overdue_is_red_on_the_assignees_and_the_inspectors_workspace(module_server, phones):
    site = Site(module_server)
    fu = site.open(question="逾期测试：请说明低保名单调整情况。").json()
    site.sql("UPDATE followup SET due_on = ? WHERE id = ?", days(-4), fu["id"])
    assert module_server.cli("followups-escalate").returncode == 0
    clerk = phones(site.url, "clerk_houxi")
    clerk.goto(f"{site.url}/work")
    row = clerk.locator("#panel-followups-answer li.work-alert", has_text="逾期测试")
    assert row.count() == 1 and "已逾期4天" in row.inner_text()
    assert clerk.locator("#panel-followups-answer li.work-alert").first.evaluate(
        "e => getComputedStyle(e).borderLeftColor") == "rgb(192, 0, 0)"
    inspector = phones(site.url, "inspector_100")
    inspector.goto(f"{site.url}/work")
    assert inspector.locator("#panel-followups-overdue li.work-alert", has_text="逾期测试").count() == 1
    shot(inspector, "workspace_inspector")
    inspector.goto(f"{site.url}/inspect")
    assert "逾期测试" in inspector.inner_text("#overdue")
    assert "南岭镇农村集体" in inspector.inner_text("#campaign-progress")  # the demo campaign, active
    shot(inspector, "inspect_home")
    inspector.goto(f"{site.url}/followups/{fu['id']}")
    assert "南岭镇" in inspector.inner_text("#followup")
    shot(inspector, "detail_overdue")


def test_campaign_pages(module_server, phones):
    site = Site(module_server)
    inspector = phones(site.url, "inspector_100")
    inspector.goto(f"{site.url}/campaigns")
    inspector.click("#new-campaign")
    inspector.fill("input[name=title]", "困难群众救助资金专项整治")
    inspector.select_option("select[name=theme]", "relief")
    inspector.fill("input[name=starts_on]", days(0))
    inspector.fill("input[name=ends_on]", days(-3))
    inspector.click("#campaign-form button[type=submit]")
    assert "结束日期不能早于开始日期" in inspector.inner_text("main")
    shot(inspector, "campaign_new")
    inspector.fill("input[name=ends_on]", days(90))
    inspector.click("#campaign-form button[type=submit]")
    assert "专项整治已开始" in inspector.inner_text("main")
    campaign_url = inspector.url
    assert site.get(campaign_url.replace(site.url, "")).status_code == 404  # not public yet
    inspector.fill("textarea[name=summary]", "本次整治共排查救助对象120户，发现问题3个，均已整改。")
    inspector.click("#publish-form button[type=submit]")
    assert "整治情况已公布" in inspector.inner_text("main")
    resident = phones(site.url)
    resident.goto(campaign_url)
    assert "排查救助对象120户" in resident.inner_text("#summary")
    assert "后溪村" in resident.inner_text("#progress")
    shot(resident, "campaign_public")
    resident.goto(f"{site.url}/campaigns")
    assert "困难群众救助资金专项整治" in resident.inner_text("main")
    shot(resident, "campaigns")
    resident.goto(f"{site.url}/campaigns/1")
    shot(resident, "campaign_demo")
