"""The index on disk: schema, writing under one lock, reading with refresh, searching.

Several server processes may open the same directory. Writes (updates,
removals, rebuilds) take an exclusive ``fcntl`` lock on ``writer.lock`` around
Whoosh's writer *and* the state file, so the "last applied audit index" always
describes what is committed. Readers take a snapshot (``engine.Snapshot``)
from a small pool and open a new one when the index generation changed, so
other processes' commits are seen on the next query.
"""
import fcntl
import json
import math
import multiprocessing
import os
import threading
import time
from collections import deque
from contextlib import contextmanager
from datetime import timezone
from pathlib import Path

from whoosh import index as windex
from whoosh import writing

from search_index import bulk
from search_index.documents import DocumentError, check, key_of
from search_index.engine import Snapshot
from search_index.query import QueryError, parse
from search_index.schema import DATE_FIELD, FACETS, FILTERS, SCHEMA_VERSION, fields_of, make_schema
from search_index.snippets import snippet

STATE_FILE = "search_state.json"
LOCK_FILE = "writer.lock"
MAX_PAGE_LEN = 50
POOL_SIZE = 4
SEGMENT_DOCS = 50_000
STREAM_SEGMENT_DOCS = 25_000


class SearchResult:
    def __init__(self, total, page, per_page, facets, hits, expanded=()):
        self.expanded = list(expanded)          # dictionary words searched besides those typed
        self.total = total
        self.page = page
        self.per_page = per_page
        self.pages = max(1, math.ceil(total / per_page))
        self.facets = facets
        self.hits = hits


class SearchIndex:
    """One index directory; safe to use from several threads and processes."""

    def __init__(self, path, lock_timeout=30.0, personal_data=None):
        """``personal_data``: the caller's detector, passed to ``check`` for every document."""
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.personal_data = personal_data
        self._pool = []
        self._thread_lock = threading.Lock()      # guards the pool
        self._write_lock = threading.Lock()       # one writing thread per process (fcntl is per process)

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
        with self._write_lock, open(self.path / LOCK_FILE, "a+") as fh:
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

        One document per key, always: Whoosh's ``update_document`` deletes the
        committed documents with that key but not ones added earlier in the same
        writer, so several changes of one key in a batch (a record's draft,
        approve and publish entries replayed together) collapse to the last.
        """
        latest = {}
        for doc_type, doc_id, document in changes:
            key = key_of(doc_type, doc_id)
            latest.pop(key, None)                 # keep the order of the last change of each key
            latest[key] = document
        prepared = [(key, fields_of(check(d, self.personal_data)) if d is not None else None)
                    for key, d in latest.items()]
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

    def rebuild(self, documents, audit_index=None, procs=1, limitmb=128, progress=None, on_refused=None,
                fast=True, segment_docs=None):
        """Replace the whole index by ``documents`` (an iterable of dicts); returns the count indexed.

        The old contents stay searchable until the new generation is committed.
        ``fast`` (the default) writes segments of up to ``segment_docs``
        documents with the bulk builder (``bulk``), in ``procs`` processes
        (by default a sized collection is split evenly between the processes,
        up to SEGMENT_DOCS a segment; a stream goes in STREAM_SEGMENT_DOCS);
        ``fast=False`` feeds Whoosh's own writer (the reference the bulk path
        is tested against). A refused document is passed to
        ``on_refused(doc, error)`` and skipped.
        """
        with self._locked():
            fresh = not (windex.exists_in(str(self.path))
                         and self.state().get("schema_version") == SCHEMA_VERSION)
            ix = windex.create_in(str(self.path), make_schema()) if fresh else windex.open_dir(str(self.path))
            self._write_state(complete=False, audit_index=None)
            if segment_docs is None:
                segment_docs = (min(SEGMENT_DOCS, max(1, math.ceil(len(documents) / max(1, procs))))
                                if hasattr(documents, "__len__") else STREAM_SEGMENT_DOCS)
            count = (self._rebuild_fast(ix, documents, on_refused, procs, progress, segment_docs) if fast
                     else self._rebuild_slow(ix, self._checked(documents, on_refused, self.personal_data), limitmb,
                                             progress))
            self._write_state(complete=True, audit_index=audit_index)
        return count

    @staticmethod
    def _checked(documents, on_refused, personal_data=None):
        for doc in documents:
            try:
                yield check(doc, personal_data)
            except ValueError as exc:
                if on_refused:
                    on_refused(doc, exc)

    def _rebuild_slow(self, ix, checked, limitmb, progress):
        count = 0
        writer = ix.writer(limitmb=limitmb)
        try:
            for doc in checked:
                writer.add_document(**fields_of(doc))
                count += 1
                if progress:
                    progress(1)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=writing.CLEAR)
        return count

    def _rebuild_fast(self, ix, documents, on_refused, procs, progress, segment_docs):
        """Chunks of raw documents to ``bulk.build_chunk`` (which checks them) in worker processes."""
        in_flight = deque()                      # chunks handed out, in order, until their segment is back

        def chunks():
            for chunk in _chunked(documents, segment_docs):
                in_flight.append(chunk)
                yield str(self.path), ix.indexname, chunk, self.personal_data

        lock = ix.lock("WRITELOCK")
        if not lock.acquire(blocking=True):
            raise TimeoutError(f"search index {self.path} is locked by another writer")
        try:
            segments = []
            pool = multiprocessing.get_context("spawn").Pool(procs) if procs > 1 else None
            try:
                results = pool.imap(bulk.build_chunk, chunks()) if pool else map(bulk.build_chunk, chunks())
                for segment, refused in results:
                    chunk = in_flight.popleft()
                    for position, message in refused:
                        if on_refused:
                            on_refused(chunk[position], DocumentError(message))
                    if segment is not None:
                        segments.append(segment)
                        if progress:
                            progress(segment.doc_count_all())
            finally:
                if pool:
                    pool.terminate()
            bulk.commit_segments(ix, segments)
        finally:
            lock.release()
        return sum(s.doc_count_all() for s in segments)

    # -- reading ----------------------------------------------------------
    @contextmanager
    def _searcher(self):
        """A searcher from a small pool, reopened when any process has committed since.

        Pooled rather than per thread because the web server starts a thread
        per request. Not ``Searcher.refresh()``: Whoosh-Reloaded 2.7.5's
        reader reuse adds the old segments back to the new reader, so a
        deletion would stay visible; opening afresh costs a few milliseconds,
        and only after a change. Yields None while no index exists.
        """
        with self._thread_lock:
            searcher = self._pool.pop() if self._pool else None
        if searcher is not None and not searcher.up_to_date():
            searcher.close()
            searcher = None
        if searcher is None and windex.exists_in(str(self.path)):
            searcher = Snapshot(self.path, FACETS, DATE_FIELD)
        try:
            yield searcher
        finally:
            if searcher is not None:
                with self._thread_lock:
                    if len(self._pool) < POOL_SIZE:
                        self._pool.append(searcher)
                        searcher = None
                if searcher is not None:
                    searcher.close()

    def doc_count(self):
        with self._searcher() as searcher:
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
        with self._searcher() as searcher:
            if searcher is None:
                return SearchResult(0, page, per_page, {name: [] for name in FACETS}, [])
            return self._run(searcher, parsed, filters, date_from, date_to, page, per_page)

    def _run(self, snap, parsed, filters, date_from, date_to, page, per_page):
        filters = {name: filters[name] for name in FILTERS if (filters or {}).get(name)}
        utc = [d.astimezone(timezone.utc).replace(tzinfo=None) if d else None for d in (date_from, date_to)]
        first = (page - 1) * per_page
        total, counts, ranked, unverified = snap.run(parsed, filters, utc[0], utc[1])
        if total and first >= total:
            raise QueryError("page_out_of_range", "没有第%(page)s页，结果共%(pages)s页。", page=page,
                             pages=math.ceil(total / per_page))
        hits, skip = [], first
        for leaf, docnum in ranked:
            stored = leaf.reader.stored_fields(docnum)
            if unverified and not all(snap.contains(stored, needle) for needle in unverified):
                continue
            if skip:
                skip -= 1
                continue
            hits.append(self._hit(stored, parsed.highlights))
            if len(hits) == per_page:
                break
        facets = {name: sorted(((k, v) for k, v in counts[name].items() if k), key=lambda kv: (-kv[1], kv[0]))
                  for name in FACETS}
        return SearchResult(total, page, per_page, facets, hits, parsed.expanded)

    @staticmethod
    def _hit(stored, highlights):
        return {
            "type": stored["type"], "id": stored["id"], "title": stored["title_text"], "url": stored["url"],
            "snippet": snippet(stored["body_text"], highlights),
            "village": stored.get("village", ""), "township": stored.get("township", ""),
            "category": stored.get("category", ""),
            "published_at": stored["published_at"].replace(tzinfo=timezone.utc),
        }


def _chunked(items, size):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
