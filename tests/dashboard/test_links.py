"""Every dashboard figure links to the records behind it, at every level (village, township, county):
the link answers 200 and, where the page lists records, it lists as many as the figure counts."""
import re

import pytest
import requests

HOUXI, NANLING, COUNTY = "350528100200", "350528100000", "350528000000"


def stats(server, code):
    return requests.get(f"{server.url}/api/v1/stats/{code}", timeout=10).json()


def total_on(html):
    """The count a list page states for its filter (``data-total`` on the list)."""
    found = re.search(r'data-total="(\d+)"', html)
    assert found, "the page states no total"
    return int(found.group(1))


@pytest.mark.parametrize("code", [HOUXI, NANLING, COUNTY])
def test_every_figure_links_to_a_page_that_answers(module_server, code):
    figures = stats(module_server, code)["figures"]
    missing = [f["key"] for f in figures if not f["url"]]
    assert not missing, f"{code}: no link for {missing}"
    for f in figures:
        r = requests.get(module_server.url + f["url"], timeout=20)
        assert r.status_code == 200, (code, f["key"], f["url"], r.status_code)
        assert "text/html" in r.headers["Content-Type"], (code, f["key"], f["url"])  # a page residents read


COUNTED = ("seals.uses_30d", "seals.certificates_year", "seals.out_now", "followups.open",
           "followups.overdue", "ledger.warnings", "redflags.open")


@pytest.mark.parametrize("code", [HOUXI, NANLING, COUNTY])
def test_counted_figures_link_to_as_many_records(module_server, code):
    by_key = {f["key"]: f for f in stats(module_server, code)["figures"]}
    for key in COUNTED:
        f = by_key[key]
        html = requests.get(module_server.url + f["url"], timeout=20).text
        assert total_on(html) == f["value"], (code, key, f["url"])
    assert by_key["seals.uses_30d"]["value"] or by_key["seals.in_use"]["value"]  # the demo has seal rows


@pytest.mark.parametrize("code", [NANLING, COUNTY])
def test_publications_and_meetings_figures_of_an_area_link_to_as_many_records(module_server, code):
    by_key = {f["key"]: f for f in stats(module_server, code)["figures"]}
    for key in ("publications.this_month", "publications.this_year"):
        html = requests.get(module_server.url + by_key[key]["url"], timeout=20).text
        assert total_on(html) == by_key[key]["value"], (code, key, by_key[key]["url"])
    assert by_key["publications.this_year"]["value"] > 0
    html = requests.get(module_server.url + by_key["meetings.held"]["url"], timeout=20).text
    assert total_on(html) == by_key["meetings.held"]["value"] > 0
    html = requests.get(module_server.url + by_key["publications.objections_unanswered"]["url"], timeout=20).text
    assert total_on(html) == by_key["publications.objections_unanswered"]["value"]
    viewers = requests.get(module_server.url + by_key["meetings.viewers"]["url"], timeout=20).text
    assert f'data-viewers="{by_key["meetings.viewers"]["value"]}"' in viewers


@pytest.mark.parametrize("code", [NANLING, COUNTY])
def test_ledger_figures_link_to_the_units_entries_summing_to_them(module_server, code):
    by_key = {f["key"]: f for f in stats(module_server, code)["figures"]}
    for key in ("ledger.income", "ledger.expense"):
        html = requests.get(module_server.url + by_key[key]["url"], timeout=20).text
        found = re.search(r'id="%s" data-sum="(-?[0-9.]+)"' % key.split(".")[1], html)
        assert found and found.group(1) == by_key[key]["value"], (code, key, found and found.group(1))


def test_a_villages_new_records_figures_link_to_as_many_records(module_server):
    """本月公开 / 本年公开 of a village count records first made public since the month's or year's
    first day; the link lists those, not every record the village ever made public."""
    by_key = {f["key"]: f for f in stats(module_server, HOUXI)["figures"]}
    listed_all = total_on(requests.get(f"{module_server.url}/v/{HOUXI}/publications", timeout=20).text)
    for key in ("publications.this_month", "publications.this_year"):
        html = requests.get(module_server.url + by_key[key]["url"], timeout=20).text
        assert total_on(html) == by_key[key]["value"], (key, by_key[key]["url"])
    assert by_key["publications.this_month"]["value"] < listed_all  # the demo has older records


@pytest.mark.parametrize("state", ["met", "due", "overdue"])
def test_the_countys_duty_figures_link_to_its_townships_numbers(module_server, state):
    """The county's 公开责任 figures open the comparison of its townships on that figure (each
    township's number, which links on to the township's duties table), not a bare list of townships."""
    key = f"publications.duties_{state}"
    figure = {f["key"]: f for f in stats(module_server, COUNTY)["figures"]}[key]
    html = requests.get(module_server.url + figure["url"], timeout=20).text
    table = html.split('id="compare-table"', 1)[1].split("</table>", 1)[0]
    shown = [int(n) for n in re.findall(r'<td class="num">\s*(\d+)', table)]
    assert shown and sum(shown) == figure["value"], (figure["url"], shown)
    township = stats(module_server, NANLING)
    assert {f["key"]: f for f in township["figures"]}[key]["url"] == f"/u/{NANLING}/duties"


def test_the_rules_link_of_the_flags_page_is_a_page_naming_every_rule(module_server):
    html = requests.get(f"{module_server.url}/redflags/{COUNTY}", timeout=20).text
    link = re.search(r'<a href="([^"]+)">规则说明</a>', html)
    assert link, "no link to the rules"
    page = requests.get(module_server.url + link.group(1), timeout=20)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    rules = requests.get(f"{module_server.url}/api/v1/redflags/rules", timeout=20).json()["rules"]
    assert len(rules) > 10
    for rule in rules:
        assert f'id="rule-{rule["code"]}"' in page.text, rule["code"]
        assert rule["title"] in page.text
