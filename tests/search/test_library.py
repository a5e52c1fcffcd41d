"""The search_index library on its own: analysis, queries, filters, facets, snippets, state, guards."""
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from portal.core.personal_data import find_personal_data
from search_index import DocumentError, QueryError, SearchIndex, check
from search_index.analysis import bigram_tokens, normalise, word_tokens

from .conftest import DOC_TYPE, SAMPLE, make_doc


@pytest.fixture
def ix(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    index.rebuild(SAMPLE, audit_index=3)
    return index


def ids(result):
    return [h["id"] for h in result.hits]


def test_normalise_traditional_fullwidth_case():
    assert normalise("雙灤區 ＪＺ－２０２４") == "双滦区 jz-2024"


def test_tokens_keep_latin_and_numbers():
    words = word_tokens(normalise("凭证号JZ-2024-0153，完成率99.58%"))
    assert {"jz", "2024", "0153", "99", "58"} <= set(words)
    assert bigram_tokens("公章使用") == ["公章", "章使", "使用", "用"]


@pytest.mark.parametrize("query,expected", [
    ("公章", ["1", "2"]),          # seal notice first, the 办公章程 text only by bigram
    ("低保", ["3"]),
    ("雙灤", ["3"]), ("双滦", ["3"]),  # Traditional and Simplified find each other
    ("张三", ["3"]),               # a name inside a longer one
    ("JZ-2024-0153", ["1"]), ("99.58%", ["1"]), ("2024年", ["3"]),
    ('"修路工程"', ["4"]), ("路", ["4"]),
    ("公章 -证明", ["2"]), ("低保 OR 招标", ["3", "4"]),
])
def test_queries(ix, query, expected):
    """``expected`` in rank order where it matters (公章), as a set otherwise."""
    found = ids(ix.search(query))
    assert found == expected if query == "公章" else sorted(found) == sorted(expected)


def test_phrase_is_exact(ix):
    assert ix.search('"修路工程"').total == 1
    assert ix.search('"工程修路"').total == 0


def test_empty_query_lists_newest_first_with_facets(ix):
    result = ix.search("")
    assert ids(result) == ["4", "3", "2", "1"]
    assert dict(result.facets["category"])["用章"] == 1
    assert dict(result.facets["village"]) == {"330100001000": 2, "330100002000": 1, "330200001000": 1}
    assert dict(result.facets["year"]) == {"2024": 4}


def test_filters_and_dates(ix):
    assert ids(ix.search("", filters={"township": "330200000000"})) == ["4"]
    assert ids(ix.search("公章", filters={"category": "重大事项决策"})) == ["2"]
    start = datetime(2024, 5, 2, tzinfo=timezone.utc)
    end = datetime(2024, 5, 3, 23, tzinfo=timezone.utc)
    assert ids(ix.search("", date_from=start, date_to=end)) == ["3", "2"]


def test_pagination_and_page_past_end(ix):
    first = ix.search("", per_page=3)
    second = ix.search("", per_page=3, page=2)
    assert (first.pages, ids(first), ids(second)) == (2, ["4", "3", "2"], ["1"])
    with pytest.raises(QueryError) as exc:
        ix.search("", per_page=3, page=3)
    assert exc.value.code == "page_out_of_range"


@pytest.mark.parametrize("text,code", [
    ('"公章', "unbalanced_quotes"), ("AND", "operators_only"), ("OR NOT -", "operators_only"),
    ("公" * 10000, "query_too_long"), ("的 了 和", "only_stopwords"), ("-公章", "only_exclusions"),
])
def test_bad_queries(ix, text, code):
    with pytest.raises(QueryError) as exc:
        ix.search(text)
    assert exc.value.code == code and exc.value.message


def test_snippet_marks_without_overlap_and_escapes(ix):
    hit = ix.search("修路 工程")
    snippet = str(hit.hits[0]["snippet"])
    assert "<mark>修路</mark><mark>工程</mark>" not in snippet
    assert "<mark>修路工程</mark>" in snippet or "<mark>修路</mark>" in snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    trad = str(ix.search("双滦").hits[0]["snippet"])
    assert "<mark>雙灤</mark>" in trad                      # the original characters, highlighted


def test_updates_removals_and_audit_index(ix, tmp_path):
    other = SearchIndex(tmp_path / "ix")          # a second process's view of the same directory
    assert other.search("公章").total == 2
    ix.apply([(DOC_TYPE, "1", None)], audit_index=7)
    assert other.search("公章").total == 1           # a reader sees the other writer's commit
    ix.apply([(DOC_TYPE, "9", make_doc(9, "新公章启用", "公章更换"))], audit_index=5)
    assert ids(other.search("公章"))[0] == "9"
    assert other.audit_index() == 7 and other.is_current()


def test_guard_refuses_incomplete_or_unmasked_documents(ix):
    bad = dict(SAMPLE[0])
    del bad["village"]
    with pytest.raises(DocumentError):
        check(bad)
    with pytest.raises(DocumentError):
        check(dict(SAMPLE[0], published_at=datetime(2024, 1, 1)))        # naive datetime
    with pytest.raises(DocumentError):
        check(dict(SAMPLE[0], body="联系电话13812345678"), find_personal_data)
    guarded = SearchIndex(ix.path, personal_data=find_personal_data)
    with pytest.raises(DocumentError):
        guarded.apply([(DOC_TYPE, "x", dict(SAMPLE[0], id="x", body="身份证330102199001011234"))])
    assert ix.search("身份证").total == 0
    assert check(dict(SAMPLE[0], body="联系电话138****5678"), find_personal_data)["body"]


@pytest.mark.parametrize("body", [
    "身份证 350502199001011234",            # check digit wrong: still an ID number
    "身份证 350502 1990 0101 1234",         # typed in pieces
    "身份证 ３５０５０２１９９００１０１１２３４",   # full-width
    "电话 138-0595-1207",
])
def test_guard_uses_the_callers_detector(body):
    """The gate refuses exactly what masking's detector finds (issue 11/19)."""
    with pytest.raises(DocumentError, match="personal data"):
        check(dict(SAMPLE[0], body=body), find_personal_data)


@pytest.mark.parametrize("body", ["营业执照注册号 110000410000123", "合同编号 2023010112345678"])
def test_guard_admits_business_and_contract_numbers(body):
    """A 15-digit business registration number or a 16-digit contract number is no personal data."""
    assert check(dict(SAMPLE[0], body=body), find_personal_data)["body"] == body


@pytest.mark.parametrize("fast,procs", [(True, 1), (True, 2), (False, 1)])
def test_rebuild_uses_the_detector_in_every_path(tmp_path, fast, procs):
    """The bulk workers (separate processes) get the detector too."""
    refused = []
    index = SearchIndex(tmp_path / "ix3", personal_data=find_personal_data)
    docs = SAMPLE + [dict(SAMPLE[0], id="pd", body="身份证 350502 19900101 1234")]
    count = index.rebuild(docs, procs=procs, fast=fast, on_refused=lambda d, e: refused.append(d["id"]))
    assert refused == ["pd"] and count == len(SAMPLE)


def test_library_imports_nothing_from_the_portal():
    code = "import sys, search_index; print(sorted(m for m in sys.modules if m == 'portal' or m.startswith('portal.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_rebuild_skips_refused_documents(tmp_path):
    refused = []
    index = SearchIndex(tmp_path / "ix2")
    count = index.rebuild(SAMPLE + [{"type": DOC_TYPE, "id": "bad"}], on_refused=lambda d, e: refused.append(d))
    assert count == len(SAMPLE) and len(refused) == 1 and index.doc_count() == len(SAMPLE)


def test_whoosh_modules_compile_without_warnings():
    """Python 3.12+ turns invalid escapes into SyntaxWarnings; 3.11 reports them as DeprecationWarnings."""
    code = (
        "import sys, warnings, search_index\n"
        "warnings.simplefilter('error')\n"
        "for name, mod in list(sys.modules.items()):\n"
        "    if name.split('.')[0] in ('whoosh', 'search_index') and getattr(mod, '__file__', None):\n"
        "        compile(open(mod.__file__, encoding='utf-8').read(), mod.__file__, 'exec')\n"
        "print('ok')\n")
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
