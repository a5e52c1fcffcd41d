"""Playwright (Chromium, phone 375×812): a resident reads the village's 公章使用 section, the log with a
filter and the certificate list; the clerk records a use on the phone (a date in the future is refused
in Chinese, nothing written), then registers the seal's return. Screenshots go to /tmp/shots/seals/."""
import datetime
from pathlib import Path

import requests

from tests.conftest import browser_login

VILLAGE = "350528100200"
SHOTS = Path("/tmp/shots/seals")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_resident_reads_the_seal_log_and_the_certificate_list(module_server, phone):
    url = module_server.url
    phone.goto(f"{url}/v/{VILLAGE}")
    section = phone.locator("section", has_text="公章使用").first
    assert section.locator("a").count() >= 2
    shot(phone, "village_page")
    section.get_by_text("查看全部").click()
    phone.wait_for_load_state()
    assert phone.locator("h1").inner_text() == "公章使用"
    assert phone.locator("#register li").count() >= 4
    assert "保管人" in phone.locator("#register").inner_text()
    shot(phone, "village_log")
    phone.get_by_text("筛选", exact=True).first.click()
    phone.check("input[name=certificate]")
    phone.click("#log-filter button[type=submit]")
    phone.wait_for_load_state()
    uses = phone.locator("li.use")
    assert uses.count() > 0
    assert all("证明" in uses.nth(i).inner_text() for i in range(uses.count()))
    assert "亲属关系证明" in phone.content()  # the demo's must-not certificate, marked
    shot(phone, "village_log_certificates")
    uses.first.locator("a").first.click()
    phone.wait_for_load_state()
    assert phone.locator(".audit-proof").count() == 1
    shot(phone, "use_record")
    phone.goto(f"{url}/v/{VILLAGE}/seals")
    phone.locator("#register a").first.click()
    phone.wait_for_load_state()
    assert "移交记录" in phone.content() and "张雅琴" in phone.locator("#keeper").inner_text()
    shot(phone, "seal_page")
    phone.goto(f"{url}/v/{VILLAGE}/certificates")
    must_not = phone.locator("#must_not li")
    assert must_not.count() == 20 and "您可以" in must_not.first.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, "certificates")


def test_the_clerk_records_a_use_on_the_phone(module_server, phone):
    url = module_server.url
    browser_login(phone, url, "clerk_houxi")
    phone.goto(f"{url}/v/{VILLAGE}/seals")
    phone.click("#record-use")
    phone.wait_for_load_state()
    shot(phone, "record_form")
    before = requests.get(f"{url}/api/v1/seal-uses", params={"village": VILLAGE}).json()["total"]
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    phone.fill("input[name=used_on]", tomorrow)
    phone.fill("input[name=purpose]", "为村民办理新农合报销材料")
    phone.fill("input[name=document]", "新农合报销材料情况说明")
    phone.fill("input[name=copies]", "2")
    phone.fill("input[name=applicant]", "陈阿婆")
    phone.fill("input[name=approver]", "黄国辉")
    phone.check("input[name=left_office]")
    phone.click("#use-form button[type=submit]")
    phone.wait_for_load_state()
    assert "不能晚于今天" in phone.locator(".flash-error").first.inner_text()
    assert requests.get(f"{url}/api/v1/seal-uses", params={"village": VILLAGE}).json()["total"] == before
    shot(phone, "record_refused")
    phone.fill("input[name=used_on]", datetime.date.today().isoformat())
    phone.click("#use-form button[type=submit]")
    phone.wait_for_load_state()
    assert "已登记用印" in phone.locator(".flash-success").inner_text()
    after = requests.get(f"{url}/api/v1/seal-uses", params={"village": VILLAGE}).json()
    assert after["total"] == before + 1
    newest = after["seal_uses"][0]
    assert newest["document"] == "新农合报销材料情况说明" and newest["applicant"] == "陈某" and newest["state"] == "out"
    phone.goto(f"{url}/v/{VILLAGE}/seals?out=1")
    row = phone.locator("li.use", has_text="新农合报销材料情况说明")
    row.get_by_role("button", name="登记归还").click()
    phone.wait_for_load_state()
    assert "已登记印章归还" in phone.locator(".flash-success").inner_text()
    assert requests.get(f"{url}/api/v1/seal-uses/{newest['id']}").json()["state"] == "recorded"
    shot(phone, "returned")


def test_the_clerk_workspace_lists_seals_out_and_english_pages(module_server, phone):
    url = module_server.url
    browser_login(phone, url, "clerk_houxi")
    phone.goto(f"{url}/work")
    assert "公章使用" in phone.content() and phone.get_by_role("link", name="登记用章").count() >= 1
    shot(phone, "workspace")
    phone.goto(f"{url}/v/{VILLAGE}/certificates?lang=en")
    assert "Certificate list" in phone.locator("h1").inner_text()
    assert "Certificate of no criminal record" in phone.content()
    shot(phone, "certificates_en")
