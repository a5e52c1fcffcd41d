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
