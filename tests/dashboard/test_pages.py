"""What a resident sees on a phone: the village's figures linking to their records, the township's
villages side by side with their numbers (ranked only above the minimum count), a chart with its
table, the follow page, and the same page on A4."""
from pathlib import Path

import requests

from portal.core.clock import today

SHOTS = Path("/tmp/shots/dashboard")
HOUXI, NANLING, COUNTY = "350528100200", "350528100000", "350528000000"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_village_figures_link_to_their_records(module_server, phone):
    stats = requests.get(f"{module_server.url}/api/v1/stats/{HOUXI}", timeout=10).json()
    phone.goto(f"{module_server.url}/v/{HOUXI}")
    phone.click("text=本村数据看板")
    phone.wait_for_url(f"**/dashboard/{HOUXI}")
    shot(phone, "village")
    no_sideways_scroll(phone)
    year = stats["values"]["publications.this_year"]
    figure = phone.locator("#f-publications-this_year .dash-value")
    assert figure.inner_text().strip() == f"{year:,}"
    assert phone.locator("#d-publications").is_visible() and phone.locator("#d-meetings").is_visible()
    figure.click()  # the records first made public this year, not every record the village ever made public
    phone.wait_for_url(f"**/t/{HOUXI}/publications?first_from={today().year}-01-01")
    assert phone.locator("[data-total]").get_attribute("data-total") == str(year)
    listed = phone.locator("main a[href^='/p/']").count()
    assert listed == min(year, 20) and year > 0


def test_township_compares_villages_with_numbers_and_ranks_only_above_the_minimum(module_server, phone):
    stats = requests.get(f"{module_server.url}/api/v1/stats/{NANLING}", timeout=10).json()
    phone.goto(f"{module_server.url}/dashboard/{NANLING}?by=publications.this_year")
    phone.wait_for_function("document.querySelector('.dash-chart canvas') !== null")
    shot(phone, "township")
    no_sideways_scroll(phone)
    rows = phone.locator("#compare-table tbody tr")
    assert rows.count() == len(stats["children"]) == 3
    for child in stats["children"]:
        row = phone.locator(f"#compare-table tr[data-unit='{child['code']}']")
        value = child["values"]["publications.this_year"]
        cells = row.locator("td")
        assert cells.nth(2).inner_text().strip() == f"{value:,}"  # the number, never a bare colour
        rank = cells.nth(0).inner_text().strip()
        assert (rank == "不排名") == (value < 5), (child, rank)
    phone.select_option("#by", "meetings.held")
    phone.click(".dash-pick button")
    phone.wait_for_url("**by=meetings.held**")
    assert "已举行会议" in phone.locator("#compare-table caption").inner_text()


def test_county_page_and_its_print_layout(module_server, phone, tmp_path):
    phone.goto(f"{module_server.url}/dashboard")
    phone.wait_for_url(f"**/dashboard/{COUNTY}")
    shot(phone, "county")
    no_sideways_scroll(phone)
    assert phone.locator("#compare-table tbody tr").count() == 3  # the three townships
    phone.emulate_media(media="print")
    assert phone.evaluate("getComputedStyle(document.querySelector('.site-header')).display") == "none"
    assert phone.evaluate("getComputedStyle(document.querySelector('.dash-chart')).display") == "none"
    assert phone.locator("#compare-table").is_visible()  # the table prints where the chart does not
    pdf = tmp_path / "county.pdf"
    phone.pdf(path=str(pdf), format="A4", print_background=False)
    assert pdf.read_bytes().startswith(b"%PDF") and b"/MediaBox [0 0 595" in pdf.read_bytes()
    phone.emulate_media(media="screen")


def test_follow_page_gives_the_feed_and_its_qr_code(module_server, phone):
    phone.goto(f"{module_server.url}/dashboard/{HOUXI}/follow")
    shot(phone, "follow")
    no_sideways_scroll(phone)
    feed = phone.locator(".dash-feeds code").first.inner_text().strip()
    assert feed.endswith(f"/feeds/{HOUXI}.atom")
    atom = requests.get(feed, timeout=10)
    assert atom.status_code == 200 and "<feed" in atom.text
    qr = phone.locator(".dash-qr img")
    assert qr.evaluate("img => img.naturalWidth") > 0


def test_english(module_server, phone):
    phone.goto(f"{module_server.url}/dashboard/{NANLING}?lang=en")
    shot(phone, "township-en")
    assert "Dashboard" in phone.locator("h1").inner_text()


def test_township_and_county_feeds_carry_every_village_below(module_server, phone):
    import feedparser
    phone.goto(f"{module_server.url}/dashboard/{NANLING}/follow")
    feeds = [c.strip() for c in phone.locator(".dash-feeds code").all_inner_texts()]
    assert feeds[0].endswith(f"/feeds/{NANLING}.atom") and any(f.endswith(f"/feeds/{NANLING}/finance.atom") for f in feeds)
    for code in (NANLING, COUNTY):
        parsed = feedparser.parse(requests.get(f"{module_server.url}/feeds/{code}.atom", timeout=10).content)
        villages = {e.title.split("｜")[0] for e in parsed.entries}
        assert len(villages) >= 2 and parsed.entries, villages
    assert requests.get(f"{module_server.url}/feeds/350528100201.atom", timeout=10).status_code == 404  # a grid
