"""On a 375px phone no page scrolls sideways, in Chinese or in (longer) English.

A villager reading on a small phone loses the thread when a page is wider than
the screen; long hashes, commands and tables are the usual culprits.
"""
import pytest

from tests.conftest import browser_login

VILLAGE = "350528100200"  # 后溪村 in the demo county
PUBLIC_PAGES = ["/", f"/v/{VILLAGE}", "/p/5", "/p/3", "/p/5/print", "/search?q=公章", "/search?q=公示",
                "/audit", "/audit/entry/1", "/login"]
CLERK_PAGES = [f"/v/{VILLAGE}/publications/new", "/p/2"]

WIDTH_REPORT = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) wide.push(el.tagName.toLowerCase() + '.' + el.className);
  }
  return {width, scroll: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
          wide: wide.slice(0, 5)};
}"""


def sideways(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    report = page.evaluate(WIDTH_REPORT)
    return None if report["scroll"] <= report["width"] else report


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_scrolls_sideways_on_a_phone(live_server, phone, lang):
    assert phone.viewport_size["width"] == 375
    base = live_server.url
    phone.goto(f"{base}/?lang={lang}")            # the cookie keeps the language for the pages below
    problems = {}
    for path in PUBLIC_PAGES:
        report = sideways(phone, base + path)
        if report:
            problems[path] = report
    browser_login(phone, base, "clerk_houxi")
    for path in CLERK_PAGES:
        report = sideways(phone, base + path)
        if report:
            problems[path] = report
    assert "<form" in phone.content() and phone.url.endswith("/p/2")   # really signed in and on the page
    assert problems == {}
