"""The bulk path (segments written by search_index.bulk, queries by search_index.engine) against plain Whoosh.

The same small corpus is indexed twice: by Whoosh's own writer (``fast=False``)
and by the bulk builder in two processes and several segments. A plain Whoosh
searcher must find the same documents with the same scores in both, and the
numpy engine must agree with Whoosh's matchers on what matches and how it scores.
"""
import importlib.util
from pathlib import Path

import pytest
from whoosh import index as windex
from whoosh import scoring

from search_index import SearchIndex
from search_index import engine
from search_index.analysis import normalise
from search_index.engine import Snapshot
from search_index.query import AndNot, parse, to_whoosh
from search_index.schema import DATE_FIELD, FACETS

from .conftest import SAMPLE

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ["公章", "低保 公示", "修路 中标", "基层治理", "雙灤", "JZ-2023", "党建 引领 基层", "公章 OR 印章",
           "公章 -证明", "顺达建筑", "村民代表 决议", "99.58%", "土地流转 租金", "张三"]


def _corpus(n=300):
    spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "bench" / "search" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return SAMPLE + list(module.records(n, seed=3))


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    docs = _corpus()
    slow = SearchIndex(tmp_path_factory.mktemp("slow"))
    fast = SearchIndex(tmp_path_factory.mktemp("fast"))
    assert slow.rebuild(docs, fast=False) == len(docs)
    assert fast.rebuild(docs, procs=2, segment_docs=120) == len(docs)
    return slow, fast


def _whoosh_scores(path, node):
    """{key: score} from a plain Whoosh searcher.

    A top-level NOT is taken apart: Whoosh 2.7.5's AndNotMatcher lets through
    documents the excluded part matches (公章 -x can return a document with x)
    when that part is a tree of unions, which the engine does not reproduce.
    """
    if isinstance(node, AndNot):
        excluded = _whoosh_scores(path, node.negative)
        return {k: v for k, v in _whoosh_scores(path, node.positive).items() if k not in excluded}
    ix = windex.open_dir(str(path))
    with ix.searcher(weighting=scoring.BM25F()) as searcher:
        return {hit["key"]: hit.score for hit in searcher.search(to_whoosh(node), limit=None)}


def _engine_scores(path, node):
    snap = Snapshot(path, FACETS, DATE_FIELD)
    try:
        return {snap.reader.stored_fields(d)["key"]: s for d, s in snap.matches(node).items()}
    finally:
        snap.close()


def test_bulk_index_has_several_segments_and_whoosh_reads_it(pair):
    slow, fast = pair
    assert len(windex.open_dir(str(fast.path)).reader().leaf_readers()) == 3
    assert fast.doc_count() == slow.doc_count()


@pytest.mark.parametrize("reader", ["whoosh", "engine"])
@pytest.mark.parametrize("text", QUERIES)
def test_same_matches_and_scores_as_whoosh_on_its_own_index(pair, text, reader):
    """Plain Whoosh on the bulk index, and the engine on it, against plain Whoosh on Whoosh's index."""
    slow, fast = pair
    node = parse(text).query
    expected = _whoosh_scores(slow.path, node)
    got = (_whoosh_scores if reader == "whoosh" else _engine_scores)(fast.path, node)
    assert expected and got.keys() == expected.keys()
    assert all(got[k] == pytest.approx(expected[k], rel=1e-5) for k in expected)


@pytest.mark.parametrize("text", QUERIES + ["", '"四议两公开"', '"修路工程"', "路"])
def test_search_results_identical(pair, text):
    slow, fast = pair
    a, b = slow.search(text, per_page=20), fast.search(text, per_page=20)
    assert (a.total, a.facets) == (b.total, b.facets)
    assert [(h["id"], str(h["snippet"])) for h in a.hits] == [(h["id"], str(h["snippet"])) for h in b.hits]


def test_phrase_is_checked_against_the_text(pair):
    _, fast = pair
    node = parse('"修路工程"').query
    candidates = _whoosh_scores(fast.path, node)            # the bigram match, unchecked
    result = fast.search('"修路工程"', per_page=50)
    assert 0 < result.total <= len(candidates)
    assert all("修路工程" in h["title"] + h["snippet"].striptags() for h in result.hits)


def test_phrase_over_the_check_budget_checks_the_hits(pair, monkeypatch):
    """With more candidates than VERIFY_LIMIT, counts are the bigram match's, hits still hold the phrase."""
    _, fast = pair
    docs = {(d["type"], d["id"]): d for d in _corpus()}
    exact = fast.search('"修路工程"', per_page=50)
    monkeypatch.setattr(engine, "VERIFY_LIMIT", 0)
    loose = fast.search('"修路工程"', per_page=50)
    assert loose.total >= exact.total
    assert [h["id"] for h in loose.hits] == [h["id"] for h in exact.hits]
    texts = [docs[(h["type"], h["id"])]["title"] + " " + docs[(h["type"], h["id"])]["body"] for h in loose.hits]
    assert texts and all("修路工程" in normalise(text) for text in texts)
