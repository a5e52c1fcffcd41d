"""A resident's and a clerk's first steps, in headless Chromium on a phone-sized screen."""
from tests.conftest import browser_login


def test_home_to_village_to_clerk_login(live_server, phone, tmp_path):
    phone.goto(live_server.url + "/")
    assert phone.title().startswith("清源县")
    phone.click("text=南岭镇")
    phone.click("a.tile:has-text('后溪村')")
    assert phone.locator("h1.village-name").inner_text() == "后溪村"
    assert "咱厝家底" in phone.locator("#section-capitals").inner_text()  # the demo's published accounts
    assert phone.locator("#section-publications li").count() >= 1
    # large tap targets and no sideways scrolling on a 375px screen
    box = phone.locator("a.button-link:has-text('登录')").bounding_box()
    assert box["height"] >= 44
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    browser_login(phone, live_server.url, "clerk_houxi")
    assert "后溪村发布员" in phone.locator("header").inner_text()
    phone.screenshot(path=str(tmp_path / "clerk.png"), full_page=True)


def test_wrong_password_shows_chinese_message(live_server, phone):
    browser_login(phone, live_server.url, "supervisor_houxi", "not-the-password")
    assert "用户名或密码不正确" in phone.locator(".flash-error").first.inner_text()
