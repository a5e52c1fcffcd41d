"""The index on disk: schema, writing under one lock, reading with refresh, searching.

Several server processes may open the same directory. Writes (updates,
removals, rebuilds) take an exclusive ``fcntl`` lock on ``writer.lock`` around
Whoosh's writer *and* the state file, so the "last applied audit index" always
describes what is committed. Readers keep one searcher per thread and call
``refresh()`` before each search, which is cheap when nothing changed and
picks up other processes' commits when something did.
"""
import fcntl
import json
import math
import os
import threading
import time
from contextlib import contextmanager
from datetime import timezone
from pathlib import Path

from whoosh import index as windex
from whoosh import query as wq
from whoosh import scoring, sorting, writing
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from search_index.analysis import BigramAnalyzer, WordAnalyzer, normalise
from search_index.documents import check, key_of
from search_index.query import QueryError, parse
from search_index.snippets import snippet

SCHEMA_VERSION = 2
STATE_FILE = "search_state.json"
LOCK_FILE = "writer.lock"
FACETS = ("type", "township", "village", "category", "year")
FILTERS = ("type", "township", "village", "category")
MAX_PAGE_LEN = 50


def make_schema():
    words, bigrams = WordAnalyzer(), BigramAnalyzer()
    return Schema(
        key=ID(unique=True, stored=True),            # "type:id", the unit of update and removal
        type=ID(stored=True, sortable=True),
        id=ID(stored=True),
        title=TEXT(analyzer=words, phrase=False, field_boost=2.0),
        body=TEXT(analyzer=words, phrase=False),
        topic=TEXT(analyzer=words, phrase=False, field_boost=1.5),   # the category's words: 用章 finds seal uses
        title_bi=TEXT(analyzer=bigrams, field_boost=1.5),
        body_bi=TEXT(analyzer=bigrams),
        township=ID(stored=True, sortable=True),
        village=ID(stored=True, sortable=True),
        category=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        published_at=DATETIME(stored=True, sortable=True),
        url=STORED,
        title_text=STORED,                            # the original text, for display and snippets
        body_text=STORED,
    )


def _fields(doc):
    """Whoosh fields for a checked document (normalised once, fed to both views)."""
    title, body = normalise(doc["title"]), normalise(doc["body"])
    published = doc["published_at"]
    return {
        "key": key_of(doc["type"], doc["id"]), "type": doc["type"], "id": doc["id"],
        "title": title, "title_bi": title, "body": body, "body_bi": body, "topic": normalise(doc["category"]),
        "township": doc["township"], "village": doc["village"], "category": doc["category"],
        "year": str(published.year), "published_at": published.replace(tzinfo=None),
        "url": doc["url"], "title_text": doc["title"], "body_text": doc["body"],
    }


class SearchResult:
    def __init__(self, total, page, per_page, facets, hits):
        self.total = total
        self.page = page
        self.per_page = per_page
        self.pages = max(1, math.ceil(total / per_page))
        self.facets = facets
        self.hits = hits


class SearchIndex:
    """One index directory; safe to use from several threads and processes."""

    def __init__(self, path, lock_timeout=30.0):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._local = threading.local()
        self._thread_lock = threading.Lock()

    # -- state ------------------------------------------------------------
    def state(self):
        try:
            return json.loads((self.path / STATE_FILE).read_text())
        except (OSError, ValueError):
            return {}

    def is_current(self):
        """True when an index of this schema version exists and has been built completely."""
        return (windex.exists_in(str(self.path)) and self.state().get("schema_version") == SCHEMA_VERSION
                and self.state().get("complete") is True)

    def audit_index(self):
        """The last audit log index applied, or None."""
        return self.state().get("audit_index")

    def _write_state(self, **changes):
        state = self.state()
        state.update(changes, schema_version=SCHEMA_VERSION)
        tmp = self.path / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self.path / STATE_FILE)

    # -- writing ----------------------------------------------------------
    @contextmanager
    def _locked(self):
        """Exclusive across threads and processes; raises TimeoutError after lock_timeout."""
        self.path.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(self.path / LOCK_FILE, "a+") as fh:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"search index {self.path} is locked by another writer")
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _open_or_create(self):
        if windex.exists_in(str(self.path)) and self.state().get("schema_version") == SCHEMA_VERSION:
            return windex.open_dir(str(self.path))
        return windex.create_in(str(self.path), make_schema())

    def apply(self, changes, audit_index=None):
        """Apply ``[(doc_type, doc_id, document_or_None), …]`` in one commit.

        None removes; a document is checked first (DocumentError if refused,
        and nothing of the batch is written). Records ``audit_index`` if given
        and larger than the stored one.
        """
        prepared = [(key_of(t, i), _fields(check(d)) if d is not None else None) for t, i, d in changes]
        with self._locked():
            ix = self._open_or_create()
            writer = ix.writer()
            try:
                for key, fields in prepared:
                    if fields is None:
                        writer.delete_by_term("key", key)
                    else:
                        writer.update_document(**fields)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            if audit_index is not None and audit_index > (self.audit_index() or -1):
                self._write_state(audit_index=audit_index)
            elif not (self.path / STATE_FILE).exists():
                self._write_state(complete=False)

    def rebuild(self, documents, audit_index=None, procs=1, limitmb=128, progress=None, on_refused=None):
        """Replace the whole index by ``documents`` (an iterable of dicts); returns the count indexed.

        The old contents stay searchable until the commit. ``procs`` > 1 uses
        Whoosh's multiprocessing writer with one segment per process (no final
        merge, which is the slow part of a big rebuild). A refused document is
        passed to ``on_refused(doc, error)`` and skipped.
        """
        count = 0
        with self._locked():
            fresh = not (windex.exists_in(str(self.path))
                         and self.state().get("schema_version") == SCHEMA_VERSION)
            ix = windex.create_in(str(self.path), make_schema()) if fresh else windex.open_dir(str(self.path))
            self._write_state(complete=False, audit_index=None)
            kwargs = {"limitmb": limitmb}
            if procs > 1:
                kwargs.update(procs=procs, multisegment=True, batchsize=256)
            writer = ix.writer(**kwargs)
            try:
                for doc in documents:
                    try:
                        fields = _fields(check(doc))
                    except ValueError as exc:
                        if on_refused:
                            on_refused(doc, exc)
                        continue
                    writer.add_document(**fields)
                    count += 1
                    if progress:
                        progress(1)
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=writing.CLEAR)
            self._write_state(complete=True, audit_index=audit_index)
        return count

    # -- reading ----------------------------------------------------------
    def _searcher(self):
        """This thread's searcher, reopened when any process has committed since.

        Not ``Searcher.refresh()``: Whoosh-Reloaded 2.7.5's reader reuse adds
        the old segments back to the new reader, so a deletion would stay
        visible; opening afresh costs a few milliseconds, and only after a change.
        """
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None and not searcher.up_to_date():
            searcher.close()
            searcher = None
        if searcher is None:
            if not windex.exists_in(str(self.path)):
                return None
            searcher = windex.open_dir(str(self.path)).searcher(weighting=scoring.BM25F())
        self._local.searcher = searcher
        return searcher

    def doc_count(self):
        searcher = self._searcher()
        return searcher.doc_count() if searcher else 0

    def search(self, text="", filters=None, date_from=None, date_to=None, page=1, per_page=10):
        """Run a query; SearchResult with hits for ``page`` and facet counts over all matches.

        An empty ``text`` lists everything matching the filters, newest first.
        Raises QueryError for unusable text or a page past the end.
        """
        parsed = parse(text)
        per_page = max(1, min(per_page, MAX_PAGE_LEN))
        if page < 1:
            raise QueryError("bad_page", "页码必须是正整数。")
        searcher = self._searcher()
        if searcher is None:
            return SearchResult(0, page, per_page, {name: [] for name in FACETS}, [])
        filter_q = self._filter_query(filters or {}, date_from, date_to)
        groupedby = {name: sorting.FieldFacet(name, maptype=sorting.Count) for name in FACETS}
        kwargs = {"filter": filter_q, "groupedby": groupedby}
        if parsed.query is None:
            kwargs["sortedby"] = sorting.FieldFacet("published_at", reverse=True)
        results = searcher.search(parsed.query or wq.Every(), limit=page * per_page, **kwargs)
        total = len(results)
        if total and (page - 1) * per_page >= total:
            raise QueryError("page_out_of_range", f"没有第{page}页，结果共{math.ceil(total / per_page)}页。")
        facets = {}
        for name in FACETS:
            counts = results.groups(name)
            facets[name] = sorted(((k, v) for k, v in counts.items() if k), key=lambda kv: (-kv[1], kv[0]))
        hits = [self._hit(hit, parsed.highlights) for hit in results[(page - 1) * per_page: page * per_page]]
        return SearchResult(total, page, per_page, facets, hits)

    @staticmethod
    def _filter_query(filters, date_from, date_to):
        parts = [wq.Term(name, filters[name]) for name in FILTERS if filters.get(name)]
        if date_from or date_to:
            start = date_from.astimezone(timezone.utc).replace(tzinfo=None) if date_from else None
            end = date_to.astimezone(timezone.utc).replace(tzinfo=None) if date_to else None
            parts.append(wq.DateRange("published_at", start, end))
        return wq.And(parts) if parts else None

    @staticmethod
    def _hit(hit, highlights):
        stored = hit.fields()
        return {
            "type": stored["type"], "id": stored["id"], "title": stored["title_text"], "url": stored["url"],
            "snippet": snippet(stored["body_text"], highlights),
            "village": stored.get("village", ""), "township": stored.get("township", ""),
            "category": stored.get("category", ""),
            "published_at": stored["published_at"].replace(tzinfo=timezone.utc),
        }
