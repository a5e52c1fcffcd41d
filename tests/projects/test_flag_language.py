"""The works' red flags speak the reader's language: the evidence's words and the rule's title in English
with ?lang=en, on the project page and in GET /api/v1/redflags, Chinese by default (real server)."""
import re

import requests

CJK = re.compile(r"[\u4e00-\u9fff]")


def _flags(url, lang=None):
    out, page, pages = [], 1, 1
    while page <= pages:
        params = {"page": page, **({"lang": lang} if lang else {})}
        answer = requests.get(f"{url}/api/v1/redflags", params=params, timeout=30)
        assert answer.status_code == 200, answer.text
        out += answer.json()["flags"]
        pages = answer.json()["pages"]
        page += 1
    return out


def test_evidence_and_titles_in_english_on_request(module_server):
    url = module_server.url
    zh = {f["id"]: f for f in _flags(url) if f["code"].startswith("projects.")}
    en = {f["id"]: f for f in _flags(url, "en") if f["code"].startswith("projects.")}
    assert len({f["code"] for f in zh.values()}) >= 14 and set(en) == set(zh)
    for fid, flag in zh.items():
        english = en[fid]
        assert CJK.search(flag["evidence"]["text"]) and CJK.search(flag["title"]), flag
        assert english["evidence"]["text"] != flag["evidence"]["text"], flag["code"]
        assert not CJK.search(english["title"]), english["title"]
        # what is left in Chinese is data only (company names), never the sentence around it
        words = CJK.sub("", english["evidence"]["text"])
        assert re.search(r"[a-z]{3,} [a-z]{2,}", words), english["evidence"]["text"]
        # the numbers that decided it are the same in both languages
        assert {k: v for k, v in english["evidence"].items() if k != "text"} == \
            {k: v for k, v in flag["evidence"].items() if k != "text"}

    overpaid = next(f for f in zh.values() if f["code"] == "projects.R068")
    assert "超过合同金额" in overpaid["evidence"]["text"] and overpaid["title"] == "支付超过合同金额"
    english = en[overpaid["id"]]
    assert english["title"] == "Payments above the contract"
    assert re.fullmatch(r"[\d.]+ yuan paid, above the contract value of [\d.]+ yuan\.", english["evidence"]["text"])

    page = requests.get(overpaid["object"]["url"], params={"lang": "en"}, timeout=30).text
    section = page[page.index('id="flags"'):]
    section = section[:section.index("</section>")]
    assert "Payments above the contract" in section and english["evidence"]["text"] in section
    assert "超过合同金额" not in section and "支付超过合同金额" not in section
    chinese = requests.get(overpaid["object"]["url"], params={"lang": "zh"}, timeout=30).text
    assert overpaid["evidence"]["text"] in chinese and "支付超过合同金额" in chinese
