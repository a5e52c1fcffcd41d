"""The engine's evaluation against the dense one it replaced (main at 8ba6f0f): same matches, scores and order.

The engine evaluates a query tree sparse where postings are few (a dictionary expansion, the as-written
tier) and dense where they are many; ``DenseSnapshot`` below is the earlier evaluation, one dense
mask and score vector per node, kept here as the reference. Over the judged colloquial set on its corpus
and the benchmark's queries on a generated one in several segments, both must give the same total, facets,
unchecked phrases, ranked documents and scores (the same floats: each document's score is summed in the same
order), also with phrase-check budgets small enough to run out.
"""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from whoosh.reading import TermNotFound

from search_index import SearchIndex, engine
from search_index import query as q
from search_index.engine import K1, B, Snapshot, read_postings  # noqa: F401
from search_index.query import parse
from search_index.schema import DATE_FIELD, FACETS

from .conftest import SAMPLE

ROOT = Path(__file__).resolve().parents[2]


class DenseSnapshot(Snapshot):
    """The evaluation of main at 8ba6f0f, unchanged: every node a dense (mask, score) pair per leaf."""

    def _term(self, field, text, boost, cache):
        """Per leaf: (docnums, scores) or None, with idf over the whole index (as Whoosh's searcher)."""
        key = (field, text, boost)
        if key in cache:
            return cache[key]
        infos = []
        for leaf in self.leaves:
            try:
                infos.append(leaf.reader.term_info(field, text))
            except (TermNotFound, KeyError):
                infos.append(None)
        df = sum(ti.doc_frequency() for ti in infos if ti is not None)
        out = [None] * len(self.leaves)
        if df:
            idf = np.log(self.doc_count_all / (df + 1)) + 1
            avgfl = self.avgfl.get(field, 1)
            for i, (leaf, ti) in enumerate(zip(self.leaves, infos)):
                if ti is None:
                    continue
                ids, w = read_postings(leaf.reader, ti)
                if field not in leaf.data.lengths:
                    scores = w if isinstance(w, np.ndarray) else np.full(len(ids), w)
                elif isinstance(w, np.ndarray):
                    scores = idf * ((w * (K1 + 1)) / (w + self._norm(i, field, avgfl)[ids])) * boost
                else:                                   # one weight for all: a per-document table
                    scores = self._tf(i, field, avgfl, w)[ids] * (idf * boost)
                out[i] = (ids, scores)
        cache[key] = out
        return out

    def _eval(self, node, i, state):
        """(mask, score) of ``node`` in leaf ``i`` or None when nothing can match."""
        n = self.leaves[i].data.n
        if isinstance(node, q.Prefix):
            terms = state["prefixes"].setdefault((node.field, node.text), self._prefix_terms(node.field, node.text))
            return self._eval(q.Or([q.Term(node.field, t, node.boost) for t in terms]), i, state)
        if type(node) is q.Term:
            got = self._term(node.field, node.text, node.boost, state["terms"])[i]
            if got is None:
                return None
            mask, score = np.zeros(n, dtype=bool), np.zeros(n)
            mask[got[0]] = True
            score[got[0]] = got[1]
            return mask, score
        if isinstance(node, q.Or):
            mask, score, found = np.zeros(n, dtype=bool), np.zeros(n), False
            for child in node.children:
                if type(child) is q.Term:          # scatter postings straight in (prefixes: many terms)
                    got = self._term(child.field, child.text, child.boost, state["terms"])[i]
                    if got is not None:
                        mask[got[0]] = True
                        score[got[0]] += got[1]
                        found = True
                    continue
                got = self._eval(child, i, state)
                if got is not None:
                    mask |= got[0]
                    score += got[1]
                    found = True
            return (mask, score) if found else None
        if isinstance(node, q.And):
            parts = [self._eval(c, i, state) for c in node.children]
            if not parts or any(p is None for p in parts):
                return None
            mask, score = parts[0][0].copy(), parts[0][1].copy()
            for m, s in parts[1:]:
                mask &= m
                score += s
            score *= mask                      # invariant: no score outside the mask (ORs add scores up)
            return mask, score
        if isinstance(node, q.AndNot):
            pos = self._eval(node.positive, i, state)
            if pos is None:
                return None
            neg = self._eval(node.negative, i, state)
            if neg is not None:
                pos[0][neg[0]] = False
                pos[1][neg[0]] = 0.0
            return pos
        if isinstance(node, q.Phrase):
            got = self._eval(q.Or(node.alternatives), i, state)
            if got is None:
                return None
            if node.verify:
                self._verify(node, i, got[0], state)
            got[1][:] *= got[0]
            return got
        if isinstance(node, q.Bonus):
            got = self._eval(node.child, i, state)
            if got is None:
                return None
            return got[0], got[0] * node.bonus
        raise TypeError(f"unknown query node {node!r}")

    def _verify(self, node, i, mask, state):
        """Drop candidates whose stored text lacks the phrase, within the query's budget."""
        candidates = np.flatnonzero(mask & state["base"][i])
        budget = node.budget
        if len(candidates) > state[budget]:
            if node.required:
                state["unverified"].add(node.needle)
            return
        state[budget] -= len(candidates)
        reader = self.leaves[i].reader
        for d in candidates.tolist():
            if not self.contains(reader.stored_fields(d), node.needle):
                mask[d] = False



def _module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_BENCH = _module("bench_search_run_eq", ROOT / "bench" / "search" / "run.py")
_CORPUS = _module("bench_corpus_eq", ROOT / "bench" / "search" / "corpus.py")
_JUDGED = _module("bench_judged_eq", ROOT / "bench" / "search" / "judged.py")
EXTRA = ["公章 OR 印章", "公章 -证明", "低保 NOT 公示", "路", "修 路", '"修路工程"', '"村民代表" 决议', "JZ-2023",
         "99.58%", "雙灤 低保", "三资", "谁家吃低保", "鱼塘包给谁了", "红色物业", "最低生活保障", "三资 OR 公章 -印章",
         '"四议两公开" OR 财务', "张三", "xyz不存在的词", "党建 -党建"]


def _compare(path, queries, filters=None):
    new, old = Snapshot(path, FACETS, DATE_FIELD), DenseSnapshot(path, FACETS, DATE_FIELD)
    try:
        for text in queries:
            parsed = parse(text)
            a_total, a_facets, a_ranked, a_unchecked = new.run(parsed, filters or {}, None, None)
            b_total, b_facets, b_ranked, b_unchecked = old.run(parsed, filters or {}, None, None)
            assert (a_total, a_facets, a_unchecked) == (b_total, b_facets, b_unchecked), text
            a_ids = [leaf.offset + d for leaf, d in a_ranked]
            b_ids = [leaf.offset + d for leaf, d in b_ranked]
            assert a_ids == b_ids, text
            if parsed.query is not None:
                a_scores, b_scores = new.matches(parsed.query), old.matches(parsed.query)
                assert a_scores == b_scores, text            # the same floats, not merely close ones
    finally:
        new.close()
        old.close()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    index = SearchIndex(tmp_path_factory.mktemp("generated"))
    index.rebuild(SAMPLE + list(_CORPUS.records(3000, seed=5)), procs=2, segment_docs=700)
    return index


@pytest.fixture(scope="module")
def judged_index(tmp_path_factory):
    index = SearchIndex(tmp_path_factory.mktemp("judged"))
    index.rebuild(_JUDGED.corpus())
    return index


def _bench_queries():
    return _BENCH.COMMON + _BENCH.RARE + _BENCH.MULTI + EXTRA


def test_generated_corpus_in_several_segments(generated):
    assert len(Snapshot(generated.path, FACETS, DATE_FIELD).leaves) >= 4
    _compare(generated.path, _bench_queries())


def test_generated_corpus_with_a_filter(generated):
    _compare(generated.path, _bench_queries(), {"category": "用章"})


@pytest.mark.parametrize("limit,exact_limit", [(0, 0), (5, 3), (60, 40)])
def test_phrase_check_budgets_run_out_alike(generated, monkeypatch, limit, exact_limit):
    monkeypatch.setattr(engine, "VERIFY_LIMIT", limit)
    monkeypatch.setattr(engine, "EXACT_VERIFY_LIMIT", exact_limit)
    _compare(generated.path, _bench_queries())


def test_judged_queries(judged_index):
    queries = [query for query, _, _ in _JUDGED.load_judged()]
    assert len(queries) >= 60
    _compare(judged_index.path, queries + _bench_queries())
