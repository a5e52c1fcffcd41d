"""The real server: the header search box, the results page on a phone, the API and the CLI."""
import requests


def test_api_and_bad_input_over_http(live_server):
    ok = requests.get(live_server.url + "/api/v1/search", params={"q": "公章"}, timeout=10)
    assert ok.status_code == 200 and set(ok.json()) >= {"total", "facets", "results"}
    for params, code in (({"q": '"村务'}, "unbalanced_quotes"), ({"q": "x" * 1000}, "query_too_long"),
                         ({"q": "NOT"}, "operators_only")):
        bad = requests.get(live_server.url + "/api/v1/search", params=params, timeout=10)
        assert bad.status_code == 400 and bad.json()["error"]["code"] == code


def test_search_box_on_a_phone(live_server, phone):
    phone.goto(live_server.url + "/")
    phone.fill("header .search-box input[name=q]", '"公章')
    phone.click("header .search-box button")
    phone.wait_for_load_state()
    assert "/search" in phone.url
    assert "引号不成对" in phone.inner_text("#search-error")
    phone.fill(".search-page-form input[name=q]", "公章")
    phone.click(".search-page-form button")
    phone.wait_for_selector("#result-count")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px phone"


def test_cli_rebuild_against_server_instance(live_server):
    result = live_server.cli("search", "rebuild", "--procs", "1")
    assert result.returncode == 0, result.stderr
    assert "search index rebuilt" in result.stdout
    assert "重建搜索索引" in result.stderr                    # tqdm's progress bar


def test_phone_shows_results_before_filters_and_language_switch_keeps_the_query(live_server, phone):
    """Issue 11: five filter cards filled the first screen; ``?lang=en`` dropped the query."""
    phone.goto(live_server.url + "/search?q=%E8%B4%A2%E5%8A%A1&village=350528100200")
    first = phone.locator(".results .result").first.bounding_box()
    filters = phone.locator("#search-filters").bounding_box()
    assert first["y"] < filters["y"], (first, filters)
    assert first["y"] + first["height"] < 812, "the first result is below the first screen"
    assert phone.locator("#search-filters").get_attribute("open") is None          # folded
    phone.click("#lang-switch")
    phone.wait_for_load_state()
    assert "q=%E8%B4%A2%E5%8A%A1" in phone.url and "village=350528100200" in phone.url, phone.url
    assert phone.input_value(".search-page-form input[name=q]") == "财务"
    assert "result" in phone.inner_text("#result-count").lower()
    phone.click("#lang-switch")                                                    # and back to Chinese
    phone.wait_for_load_state()
    assert "q=%E8%B4%A2%E5%8A%A1" in phone.url and "lang=zh" in phone.url


def test_colloquial_search_on_a_phone(live_server, phone):
    """The search box's own example 低保 finds the 最低生活保障 notice and says which words it also searched."""
    phone.goto(live_server.url + "/")
    phone.fill("header .search-box input[name=q]", "谁家吃低保")
    phone.click("header .search-box button")
    phone.wait_for_selector("#result-count")
    assert "最低生活保障对象评议结果公示" in phone.inner_text(".results .result >> nth=0")
    assert "最低生活保障" in phone.inner_text("#search-expanded")
