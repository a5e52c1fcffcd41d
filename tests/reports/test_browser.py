"""What a villager and an inspector see and click on a phone (375×812), with screenshots."""
from pathlib import Path

from tests.conftest import browser_login
from tests.reports.conftest import PASS, pdf_with

SHOTS = Path("/tmp/shots/reports")
HOUXI = "350528100200"


def shot(page, name):
    """Save the screenshot, and check the page does not scroll sideways on the phone."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, name


def test_a_villager_reports_anonymously_and_follows_up_with_the_receipt(module_server, phone, tmp_path):
    url = module_server.url
    phone.goto(f"{url}/v/{HOUXI}")
    section = phone.locator("#section-reports")
    assert "向纪检监察机关举报" in section.inner_text()
    section.get_by_text("向纪检监察机关举报").click()
    phone.wait_for_load_state()
    assert phone.locator("#report-form select[name=unit]").input_value() == HOUXI
    shot(phone, "new")
    phone.fill("textarea[name=text]", "村里的扶贫款被拿去请客吃饭，时间是今年九月。")
    evidence = tmp_path / "证据.pdf"
    evidence.write_bytes(pdf_with("browser"))
    phone.set_input_files("input[name=attachments]", str(evidence))
    phone.click("#report-form button[type=submit]")
    phone.wait_for_load_state()
    receipt = phone.locator("#receipt").inner_text().strip()
    assert len(receipt) == 19 and receipt.replace("-", "").isdigit()
    shot(phone, "receipt")

    phone.goto(f"{url}/reports/check")
    phone.fill("input[name=receipt]", "1234-5678-0000-0000")
    phone.click("#check-form button[type=submit]")
    phone.wait_for_load_state()
    assert "回执码不正确" in phone.locator("#check-form").inner_text()
    shot(phone, "check-wrong")
    phone.fill("input[name=receipt]", receipt)
    phone.click("#check-form button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator("#status").inner_text() == "待处理"
    assert "扶贫款" in phone.locator("#my-report").inner_text() and "证据.pdf" in phone.locator("#my-report").inner_text()
    phone.fill("#add-form textarea[name=text]", "补充：请客地点在镇上的饭店。")
    phone.click("#add-form button[type=submit]")
    phone.wait_for_load_state()
    assert "饭店" in phone.locator("#my-report").inner_text()
    shot(phone, "status")

    assert module_server.cli("reports-seal", "--all").returncode == 0  # the hour's batch, sealed now
    phone.goto(f"{url}/reports/check")
    phone.fill("input[name=receipt]", receipt)
    phone.click("#check-form button[type=submit]")
    phone.wait_for_load_state()
    phone.click("#proof summary")
    assert "审计日志第" in phone.locator("#proof").inner_text()
    shot(phone, "status-proof")


def test_an_empty_report_is_refused_on_the_page(module_server, phone):
    phone.goto(f"{module_server.url}/reports/new?unit={HOUXI}")
    phone.evaluate("document.querySelector('textarea[name=text]').removeAttribute('required')")
    phone.fill("textarea[name=text]", "   ")
    phone.click("#report-form button[type=submit]")
    phone.wait_for_load_state()
    assert "请写下举报内容" in phone.content() or "举报内容不能为空" in phone.content() or "请填写" in phone.content()
    assert phone.locator("#receipt").count() == 0


def test_an_inspector_unlocks_reads_and_replies(module_server, phone):
    url = module_server.url
    browser_login(phone, url, "inspector_100")
    phone.goto(f"{url}/inspect/reports")
    assert phone.locator("#unlock-form").count() == 1
    first = phone.locator("#report-list li a").first
    first.click()
    phone.wait_for_load_state()
    assert phone.locator("#report-text").count() == 0  # locked: nothing decrypted
    phone.fill("#unlock-form input[name=passphrase]", "wrong-passphrase")
    phone.click("#unlock-form button[type=submit]")
    phone.wait_for_load_state()
    assert "口令不正确" in phone.content() and phone.locator("#report-text").count() == 0
    phone.fill("#unlock-form input[name=passphrase]", PASS)
    phone.click("#unlock-form button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator("#report-text").inner_text()
    assert "审计日志第" in phone.locator("#content").inner_text()
    phone.fill("#reply-form textarea", "已收到，正在核查。")
    phone.click("#reply-form button[type=submit]")
    phone.wait_for_load_state()
    assert "已收到，正在核查。" in phone.locator("#messages").inner_text()
    shot(phone, "inspector-detail")
    with phone.expect_download() as download:
        phone.click("#export")
    assert "已收到，正在核查。" in open(download.value.path(), encoding="utf-8").read()
    phone.goto(f"{url}/inspect/reports")
    assert phone.locator("#lock-form").count() == 1
    shot(phone, "inspector-inbox")
    phone.goto(f"{url}/work")
    assert "举报箱" in phone.content()  # the workspace points the inspector to the inbox
    phone.click("header form button[type=submit]")  # 退出: the session and its unlocked key end
    phone.wait_for_load_state()
    browser_login(phone, url, "inspector_100")
    phone.goto(f"{url}/inspect/reports")
    assert phone.locator("#unlock-form").count() == 1
    phone.fill("#unlock-form input[name=passphrase]", PASS)
    phone.click("#unlock-form button[type=submit]")
    phone.wait_for_load_state()
    phone.click("#lock-form button")
    phone.wait_for_load_state()
    assert phone.locator("#unlock-form").count() == 1


def test_the_reporters_pages_in_english(module_server, phone):
    phone.goto(f"{module_server.url}/reports/new?lang=en")
    assert phone.locator("h1").inner_text() == "Report to the discipline inspectors"
    shot(phone, "new-en")


def test_a_new_inspector_sets_a_passphrase_then_reads_only_what_is_granted(module_server, phone):
    import requests
    url = module_server.url
    made = module_server.cli("create-user", "inspector_late", "--role", "inspector", "--unit", "350528100000",
                             "--password", "password-late-1")
    assert made.returncode == 0, made.stderr
    requests.post(f"{url}/api/v1/reports", json={"unit": HOUXI, "text": "给后来者的举报"}).raise_for_status()
    browser_login(phone, url, "inspector_late", "password-late-1")
    phone.goto(f"{url}/inspect/reports")
    phone.fill("#passphrase-form input[name=passphrase]", "late-passphrase-1")
    phone.fill("#passphrase-form input[name=again]", "late-passphrase-1")
    shot(phone, "inspector-set-passphrase")
    phone.click("#passphrase-form button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator("#unlock-form").count() == 1 and "无密钥，需授权" in phone.content()
    late = {"Authorization": f"Bearer {module_server.token('inspector_late')}"}
    newest = requests.get(f"{url}/api/v1/reports", headers=late).json()["reports"][0]
    assert newest["can_open"] is False
    refused = requests.post(f"{url}/api/v1/reports/{newest['id']}/open", headers=late,
                            json={"passphrase": "late-passphrase-1"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "no_access"
    town = {"Authorization": f"Bearer {module_server.token('inspector_100')}"}
    granted = requests.post(f"{url}/api/v1/reports/{newest['id']}/grant", headers=town,
                            json={"passphrase": PASS, "to": "inspector_late"})
    assert granted.status_code == 200, granted.text
    opened = requests.post(f"{url}/api/v1/reports/{newest['id']}/open", headers=late,
                           json={"passphrase": "late-passphrase-1"})
    assert opened.json()["text"] == "给后来者的举报"

    def change(old, new):
        phone.goto(f"{url}/inspect/reports")
        phone.click("#change-passphrase summary")
        phone.fill("#change-passphrase input[name=old]", old)
        phone.fill("#change-passphrase input[name=passphrase]", new)
        phone.fill("#change-passphrase input[name=again]", new)
        phone.click("#change-passphrase button[type=submit]")
        phone.wait_for_load_state()
        return phone.content()
    assert "现在的口令不正确" in change("not-the-passphrase", "late-passphrase-2")
    assert "口令已更改" in change("late-passphrase-1", "late-passphrase-2")
    phone.click("#change-passphrase summary")
    shot(phone, "inspector-change-passphrase")
    old = requests.post(f"{url}/api/v1/reports/{newest['id']}/open", headers=late,
                        json={"passphrase": "late-passphrase-1"})
    assert old.status_code == 403 and old.json()["error"]["code"] == "wrong_passphrase"
    opened = requests.post(f"{url}/api/v1/reports/{newest['id']}/open", headers=late,
                           json={"passphrase": "late-passphrase-2"})
    assert opened.json()["text"] == "给后来者的举报"  # the same key, under the new passphrase


def _unlocked_report_page(page, url, username, report_id):
    browser_login(page, url, username)
    page.goto(f"{url}/inspect/reports/{report_id}")
    page.fill("#unlock-form input[name=passphrase]", PASS)
    page.click("#unlock-form button[type=submit]")
    page.wait_for_load_state()


def test_seeing_the_identity_takes_a_second_inspector(module_server, phone, browser):
    import requests
    url = module_server.url
    requests.post(f"{url}/api/v1/reports", json={"unit": HOUXI, "text": "实名举报",
                                                 "identity": {"name": "孙八", "contact": "13905950000"}}
                  ).raise_for_status()
    town = {"Authorization": f"Bearer {module_server.token('inspector_100')}"}
    report_id = requests.get(f"{url}/api/v1/reports", headers=town).json()["reports"][0]["id"]
    _unlocked_report_page(phone, url, "inspector_100", report_id)
    assert "孙八" not in phone.content()
    phone.fill("#identity input[name=reason]", "需要当面核实")
    phone.click("#identity form button[type=submit]")
    phone.wait_for_load_state()
    phone.click("#identity form button[type=submit]")  # 查看举报人身份: not yet approved
    phone.wait_for_load_state()
    assert "须经另一名纪检监察人员批准" in phone.content() and "孙八" not in phone.content()

    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    county = context.new_page()
    try:
        _unlocked_report_page(county, url, "inspector_county", report_id)
        county.click("#identity form.inline button")
        county.wait_for_load_state()
        assert "已批准" in county.content() and "孙八" not in county.content()
        shot(county, "inspector-identity-approve")
    finally:
        context.close()
    phone.goto(f"{url}/inspect/reports/{report_id}")
    phone.click("#identity form button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator("#identity-name").inner_text() == "孙八"
    shot(phone, "inspector-identity")
