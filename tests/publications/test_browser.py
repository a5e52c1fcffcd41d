"""Playwright (Chromium, phone viewport 375×812): draft with an ID number → approve → publish →
a resident reads it masked, objects, and sees the objection after moderation with the clerk's answer."""
import datetime

import pytest

from tests.conftest import browser_login

VILLAGE = "350528100200"
ID_NUMBER = "350528197811053022"


@pytest.fixture
def phones(browser):
    contexts = []

    def open_as(base_url, username=None):
        context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True,
                                      has_touch=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.on("dialog", lambda dialog: dialog.accept())
        if username:
            browser_login(page, base_url, username)
        return page
    yield open_as
    for context in contexts:
        context.close()


def test_notice_from_draft_to_answered_objection(live_server, phones):
    url = live_server.url
    today = datetime.date.today()
    clerk = phones(url, "clerk_houxi")
    clerk.goto(f"{url}/v/{VILLAGE}/publications/new")
    clerk.fill("input[name=title]", "后溪村2026年临时救助对象公示")
    clerk.select_option("select[name=category]", "pre")
    clerk.select_option("select[name=power]", "QY-16")
    clerk.fill("input[name=period_start]", (today - datetime.timedelta(days=1)).isoformat())
    clerk.fill("input[name=period_end]", (today + datetime.timedelta(days=6)).isoformat())
    clerk.fill("textarea[name=body]", f"拟救助对象：林某某，身份证号 {ID_NUMBER}，救助金额 3,000 元。")
    clerk.click("#draft-form button[type=submit]")
    assert "3505**********3022" in clerk.inner_text("#masking-preview")
    draft_url = clerk.url

    supervisor = phones(url, "supervisor_houxi")
    supervisor.goto(draft_url)
    supervisor.click("#approve")
    assert "已审核" in supervisor.inner_text("#publication")

    clerk.goto(draft_url)
    clerk.click("#publish")
    assert "已公开" in clerk.inner_text("#publication")

    anonymous = phones(url)
    anonymous.goto(draft_url)
    body = anonymous.inner_text("#pub-body")
    assert "3505**********3022" in body and ID_NUMBER not in anonymous.content()
    assert anonymous.evaluate("document.documentElement.scrollWidth") <= 375

    resident = phones(url, "resident_houxi")
    resident.goto(draft_url)
    resident.fill("#objection-form textarea[name=text]", "林某某家已有稳定收入，建议复核。")
    resident.click("#objection-form button[type=submit]")
    assert "审核后公开" in resident.inner_text("main")
    assert "建议复核" not in resident.inner_text("#objections")

    supervisor.goto(draft_url)
    supervisor.click(".moderate-form button[type=submit]")
    clerk.goto(draft_url)
    clerk.fill(".answer-form textarea[name=text]", "经入户复核，林某某家收入低于标准，维持原评议结果。")
    clerk.click(".answer-form button[type=submit]")

    resident.goto(draft_url)
    objections = resident.inner_text("#objections")
    assert "林某某家已有稳定收入，建议复核。" in objections
    assert "维持原评议结果" in objections and "尚未答复" not in objections
