"""The phone flow (375×812, zh-CN, Chromium): a clerk's workspace, a supervisor's review from
theirs, an inspector's overview, the audit page and the duty tables, each read as a villager would.

Screenshots go to $SHOTS_DIR (or the test's tmp folder) so a person can look at every page.
"""
import os
import re
from pathlib import Path

import pytest

from tests.conftest import browser_login
from tests.foundation.test_phone_layout import WIDTH_REPORT
from tests.pages.helpers import HOUXI, NANLING


# Widths of the cells a reader sees (an empty cell is not shown on a phone).
VISIBLE_WIDTHS = "cells => cells.map(c => c.getBoundingClientRect().width).filter(w => w > 0)"


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.wait_for_load_state("networkidle")
        report = page.evaluate(WIDTH_REPORT)
        assert report["scroll"] <= report["width"], (name, report)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    return take


def _logout(page):
    page.click("form[action='/logout'] button")
    page.wait_for_load_state()


@pytest.mark.slow
def test_phone_flow_workspaces_review_overview_audit(fresh_server, phone, shots):
    base = fresh_server.url
    phone.goto(base + "/")
    shots(phone, "home")
    assert phone.locator("#home-publications li").count() == 6
    assert phone.locator("footer a[href='/audit']").count() == 1

    # The clerk lands on the workspace: counts first, then each record with its next step.
    browser_login(phone, base, "clerk_houxi")
    assert phone.url.endswith("/work")
    shots(phone, "clerk-workspace")
    returned = phone.locator("#panel-returned .work-row").first
    assert "退回理由" in returned.inner_text()
    returned.locator("a.next-step").click()
    phone.wait_for_load_state()
    assert phone.url.endswith("/edit")
    phone.goto(base + f"/v/{HOUXI}/publications/new")
    phone.fill("input[name=title]", "后溪村路灯维修费用公开")
    phone.select_option("select[name=category]", "finance")
    phone.fill("textarea[name=body]", "路灯维修共支出 **1,280元**。")
    phone.click("#draft-form button[type=submit]")
    phone.wait_for_load_state()
    assert "已送村务监督委员会审核" in phone.inner_text(".flash-success")
    assert phone.locator("a[href$='/print']").count() == 0
    shots(phone, "clerk-draft-saved")
    _logout(phone)

    # The supervisor reviews that draft from their workspace.
    browser_login(phone, base, "supervisor_houxi")
    assert phone.url.endswith("/work")
    shots(phone, "supervisor-workspace")
    row = phone.locator("#panel-review .work-row", has_text="后溪村路灯维修费用公开")
    row.locator("a.next-step").click()
    phone.wait_for_load_state()
    phone.click("#approve")
    phone.wait_for_load_state()
    assert "已审核通过" in phone.inner_text(".flash-success")
    shots(phone, "supervisor-approved")
    _logout(phone)

    # The township inspector's overview: overdue duties per village, latest and corrections.
    browser_login(phone, base, "inspector_100")
    assert phone.url.endswith("/work")
    assert phone.locator("#panel-overdue .work-row").count() >= 1
    assert "后溪村集体鱼塘承包结果公示" in phone.inner_text("#panel-corrections")
    shots(phone, "inspector-workspace")
    phone.click("#overview-link")
    phone.wait_for_load_state()
    assert phone.url.endswith(f"/u/{NANLING}/duties")
    shots(phone, "township-duties")
    # A status cell is a line of its own on a phone, not one character per line.
    widths = phone.eval_on_selector_all("#township-duty-table td[data-label]",
                                        VISIBLE_WIDTHS)
    assert widths and min(widths) > 250
    phone.goto(base + f"/v/{HOUXI}/duties")
    shots(phone, "village-duties")
    widths = phone.eval_on_selector_all("#duties td[data-label]", VISIBLE_WIDTHS)
    assert widths and min(widths) > 250
    _logout(phone)

    # The audit page in plain words, the entry with its proof checked in the browser.
    phone.goto(base + "/audit")
    shots(phone, "audit")
    first = phone.locator("#recent-entries li").first.inner_text()
    assert "月" in first and "日" in first and "publication." not in first
    assert not phone.locator(".audit-checkpoint").is_visible()          # folded under 技术细节
    phone.locator("#recent-entries a.entry-index").first.click()
    phone.wait_for_load_state()
    shots(phone, "audit-entry")
    phone.click(".audit-verify")
    phone.wait_for_selector(".audit-result.audit-ok, .audit-result.audit-pending, .audit-result.audit-fail")
    assert "核验" in phone.inner_text(".audit-result")
    phone.goto(base + "/p/6")
    shots(phone, "record-corrected")
    phone.goto(base + "/p/6/print")
    assert phone.locator("#print-button").is_visible()
    shots(phone, "print")
    phone.goto(base + "/meetings/2")
    shots(phone, "meeting-ended")
    assert "在线观看" not in phone.inner_text("main")
    phone.goto(base + "/meetings/2/replay")
    shots(phone, "meeting-replay")

    # A resident searches in everyday words from the box every page has: 低保 finds 最低生活保障,
    # and on a phone the results come before the (folded) filters.
    phone.goto(base + "/")
    phone.fill("form.search-box input[name=q]", "低保")
    phone.click("form.search-box button[type=submit]")
    phone.wait_for_load_state()
    assert "/search" in phone.url
    titles = phone.locator("ol.results .result-title").all_inner_texts()
    assert titles and all("低保" in t or "最低生活保障" in t for t in titles[:5]), titles
    assert "最低生活保障" in phone.inner_text("#search-expanded")  # the everyday word was expanded
    results_top = phone.locator("ol.results").bounding_box()["y"]
    filters_top = phone.locator("#search-filters").bounding_box()["y"]
    assert results_top < filters_top
    shots(phone, "search-colloquial")


@pytest.mark.parametrize("break_it, expected", [
    ("offline", "网络连接中断"),
    ("server_error", "平台暂时无法提供核验数据"),
    ("bad_leaf", "内容可能被改动过"),
])
def test_proof_failures_are_told_in_chinese(live_server, phone, break_it, expected):
    """Whatever goes wrong in the in-browser check, the reader gets a Chinese sentence, never a JS error text."""
    def route(r):
        if break_it == "offline":
            r.abort()
        elif break_it == "server_error":
            r.fulfill(status=500, body="boom")
        else:
            r.continue_()
    target = "**/api/v1/audit/checkpoint" if break_it != "bad_leaf" else "**/api/v1/audit/none"
    phone.route(target, route)
    phone.goto(live_server.url + "/p/3")
    if break_it == "bad_leaf":
        phone.evaluate("document.querySelector('.audit-proof').setAttribute('data-leaf-hash', '00'.repeat(32))")
    phone.click(".audit-verify")
    phone.wait_for_selector(".audit-result.audit-fail")
    text = phone.inner_text(".audit-result")
    assert text.startswith("核验失败：") and expected in text
    assert not re.search(r"[A-Za-z]{3,}", text)
