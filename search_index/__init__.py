"""Chinese full-text search for the portal's public records (no Flask, nothing from portal/).

Engine: **Whoosh-Reloaded 2.7.5** (``whoosh-reloaded`` on PyPI, imported as
``whoosh``). The original Whoosh 2.7.4 (2016) is unmaintained and its modules
carry invalid escape sequences that Python 3.12+ reports as SyntaxWarnings on
every import; Whoosh-Reloaded is the maintained fork with the same API and
file format, and its imported modules compile cleanly (the one leftover, the
vendored ``whoosh.support.pyparsing``, is never imported; a test compiles every
loaded ``whoosh`` module with warnings as errors).

Analysis: rjieba (jieba's dictionary, Rust speed) for words, overlapping bigrams
for recall, OpenCC ``t2s`` (the ``opencc`` wheel ships its dictionaries, no
download) so Traditional and Simplified find each other. See ``analysis``.

Use::

    ix = SearchIndex(path)
    ix.apply([("publication", "42", doc)], audit_index=17)   # doc None removes
    ix.rebuild(iter_docs(), procs=2)
    result = ix.search("公章", filters={"village": "…"}, page=1)
"""
from search_index.documents import DocumentError, check
from search_index.index import FACETS, SCHEMA_VERSION, SearchIndex, SearchResult
from search_index.query import QueryError, parse

__all__ = ["DocumentError", "FACETS", "QueryError", "SCHEMA_VERSION", "SearchIndex", "SearchResult", "check",
           "parse"]
