"""What a resident sees on a phone: the village page's section, the list, a project's page."""
import os

import requests

SHOTS = "/tmp/shots/projects"


def test_resident_follows_a_project_from_the_village_page(module_server, phone):
    url = module_server.url
    os.makedirs(SHOTS, exist_ok=True)
    phone.goto(f"{url}/v/350528100210")
    section = phone.locator("section", has=phone.locator("h2", has_text="小微工程招投标"))
    assert section.locator("a.record-title", has_text="石埕村水渠修复工程").is_visible()
    assert "预算" in section.inner_text()
    phone.goto(f"{url}/v/350528100210/projects")
    phone.screenshot(path=f"{SHOTS}/village_list.png", full_page=True)
    assert phone.locator("text=石埕村水渠修复工程").is_visible()
    phone.click("text=石埕村水渠修复工程")
    phone.wait_for_load_state()
    phone.screenshot(path=f"{SHOTS}/project_detail.png", full_page=True)
    body = phone.inner_text("body")
    for text in ("办理进程", "立项", "招标公告", "定标", "签订合同", "投标与开标", "风险提示", "投标单位信息相同"):
        assert text in body, text
    assert "13905958888" not in phone.content()
    assert phone.locator("#timeline li").count() >= 8
    phone.goto(f"{url}/t/350528100000/projects")
    phone.screenshot(path=f"{SHOTS}/township_list.png", full_page=True)
    assert "后溪村" in phone.inner_text("body") and "石埕村" in phone.inner_text("body")
    phone.goto(f"{url}/t/350528000000/projects?lang=en")
    assert "Small-project bids" in phone.inner_text("body") and "Contracted" in phone.inner_text("body")
    assert requests.get(f"{url}/projects/999999").status_code == 404


def test_project_pages_escape_and_mask(module_server):
    url = module_server.url
    token = module_server.token("clerk_houxi")
    made = requests.post(f"{url}/api/v1/projects", headers={"Authorization": f"Bearer {token}"}, json={
        "village": "350528100200", "title": "<script>alert(1)</script>围墙 13905951201", "budget": "30000"}).json()
    page = requests.get(made["url"]).text
    assert "<script>alert(1)</script>" not in page and "13905951201" not in page


def test_clerk_takes_the_steps_on_the_page(module_server, phone):
    from tests.conftest import browser_login
    url = module_server.url
    browser_login(phone, url, "clerk_houxi")
    phone.goto(f"{url}/v/350528100200/projects")
    phone.click("a.button-link:has-text('立项')")
    phone.fill("input[name=title]", "后溪村水井护栏工程")
    phone.fill("input[name=budget]", "十万")
    phone.click("form.card button[type=submit]")
    assert "预算金额必须是数字" in phone.inner_text("body")  # bad money: said, nothing written
    phone.fill("input[name=budget]", "26000")
    phone.click("form.card button[type=submit]")
    phone.wait_for_load_state()
    assert "后溪村水井护栏工程" in phone.inner_text("h1") and "已立项" in phone.inner_text("body")
    phone.click("#staff summary:has-text('发布招标公告')")
    phone.fill("#staff input[name=deadline]", "2099-01-05T09:00")
    phone.click("#staff button:has-text('发布招标公告')")
    phone.wait_for_load_state()
    assert "招标中" in phone.inner_text("body") and "投标截止" in phone.inner_text("body")
    phone.click("#staff summary:has-text('定标')") if phone.locator("#staff summary:has-text('定标')").count() else None
    phone.screenshot(path=f"{SHOTS}/project_staff.png", full_page=True)
    assert requests.get(f"{url}/v/350528100200/projects").text.count("后溪村水井护栏工程") == 1
