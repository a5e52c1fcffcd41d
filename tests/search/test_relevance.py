"""Judged relevance: 36 queries over generated village records, precision at 5 measured.

Relevance is judged from what a record is (its category) or what it says (the
query text, normalised, occurs in it), independently of the ranking code. The
mean P@5 found when this set was written is recorded in docs/search.md; the
assertion keeps it from regressing.
"""
import importlib.util
from pathlib import Path

import pytest

from search_index import SearchIndex
from search_index.analysis import normalise

ROOT = Path(__file__).resolve().parents[2]
N_RECORDS = 800

# query -> categories whose records are relevant (None: relevant if the text contains the query)
JUDGED = {
    "公章": {"用章"}, "用章": {"用章"}, "印章": {"用章"}, "低保": {"低保/救助"}, "救助": {"低保/救助"},
    "特困": None, "修路": None, "招标": {"招投标"}, "中标": {"招投标"}, "投标": {"招投标"},
    "财务": {"财务"}, "收支": {"财务"}, "凭证": {"财务"}, "四议两公开": {"重大事项决策"},
    "村民代表": None, "土地流转": {"集体资产资源处置"}, "山林": None, "宅基地": {"宅基地"},
    "建房": {"宅基地"}, "党费": {"党务"}, "发展对象": {"党务"}, "路灯": None, "河道清淤": None,
    "饮水安全": None, "文化礼堂": None, "垃圾分类": None, "居住证明": None, "保洁费": None,
    "误工补贴": None, "租金": None, "雙灤": None, "黨建": None, "顺达建筑": None,
    "青山农业合作社": None, '"工程验收单"': None, "JZ-2023": None,
}
MIN_MEAN_P5 = 0.9


def _corpus():
    spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "bench" / "search" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.records(N_RECORDS, seed=7))


@pytest.fixture(scope="module")
def judged_index(tmp_path_factory):
    docs = _corpus()
    index = SearchIndex(tmp_path_factory.mktemp("relevance"))
    index.rebuild(docs)
    return index, {d["id"]: d for d in docs}


def relevant(doc, query, categories):
    if categories is not None:
        return doc["category"] in categories
    needle = normalise(query.strip('"'))
    return needle in normalise(doc["title"] + doc["body"])


def precision_at_5(index, docs, query, categories):
    hits = index.search(query, per_page=5).hits
    return sum(relevant(docs[h["id"]], query, categories) for h in hits) / 5 if hits else 0.0


def test_judged_set_is_large_enough():
    assert len(JUDGED) >= 30


def test_mean_precision_at_5(judged_index):
    index, docs = judged_index
    scores = {q: precision_at_5(index, docs, q, cats) for q, cats in JUDGED.items()}
    mean = sum(scores.values()) / len(scores)
    print(f"\nmean P@5 over {len(scores)} judged queries: {mean:.3f}; below 1: "
          f"{ {q: s for q, s in scores.items() if s < 1} }")
    assert mean >= MIN_MEAN_P5, scores


def test_seal_query_puts_seal_notices_first(judged_index):
    index, docs = judged_index
    top = index.search("公章", per_page=10).hits
    assert [docs[h["id"]]["category"] for h in top] == ["用章"] * 10
