"""Keeping the index in step with committed changes, and querying it.

``public.changed`` events go onto a queue that one background thread per
process drains in batches (so a publish costs the request nothing and a burst
of changes is one commit). The index directory may be shared by several
server processes: ``search_index`` serialises their writes with a file lock.
With ``SEARCH_SYNC`` set (tests, CLI) changes are applied inside ``emit``.
"""
import collections
import logging
import queue
import threading
import time

import peewee

from search_index import DocumentError, SearchIndex, check

from portal import auditlog
from portal.core import events
from portal.core.clock import utcnow
from portal.core.db import connection, transaction
from portal.core.personal_data import KIND_NAMES, find_personal_data
from portal.search.models import SearchRefusal
from portal.search.registry import source, sources

log = logging.getLogger(__name__)
BATCH = 200
RESTART_OVERLAP = 1000  # entries re-applied on start, beyond what concurrent commits can reorder
FOLLOW_OVERLAP = 500  # entries below the mark a follower looks at again (another process's late commits)
REMEMBERED = 20000  # audit indexes this process remembers having applied


class SearchService:
    def __init__(self, app, index_dir, sync=False):
        self.app = app
        # The gate uses masking's own detector (search_index imports nothing from the portal).
        self.index = SearchIndex(index_dir, personal_data=find_personal_data)
        self.sync = sync
        self._queue = queue.Queue()
        self._worker = None
        self._catch_up_started = False
        self._lock = threading.Lock()
        # One applier at a time, from the read of the rows to the write of the index: two
        # appliers of one record (the start catch-up and the after-commit queue) would otherwise
        # let an older read ("not public yet") be written after a newer one.
        self._apply_lock = threading.Lock()
        self.caught_up = threading.Event()  # set once the start catch-up has applied the log
        self._applied = collections.deque(maxlen=REMEMBERED)  # audit indexes applied, oldest first
        self._applied_set = set()

    # -- changes ----------------------------------------------------------
    def on_public_changed(self, name, doc_type=None, object_id=None, audit_index=None, **_):
        if source(doc_type, self.app) is None or object_id is None:
            return
        item = (doc_type, str(object_id), audit_index)
        if self.sync:
            self._apply([item])
            return
        self._queue.put(item)
        self._ensure_worker()

    def _ensure_worker(self):
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._drain, name="search-indexer", daemon=True)
                self._worker.start()

    def _drain(self):
        while True:
            items = [self._queue.get()]
            while len(items) < BATCH:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._apply(items)
            except Exception:  # the index is a projection: log, keep serving, rebuild repairs it
                log.exception("search indexing failed for %d change(s)", len(items))
            finally:
                for _ in items:
                    self._queue.task_done()

    def flush(self):
        """Wait until every queued change is applied (tests, shutdown)."""
        self._queue.join()

    def _apply(self, items):
        """Each object of the batch read once (a catch-up names a record once per audit entry)."""
        changes, last = [], None
        with self._apply_lock, connection():
            for doc_type, object_id in dict.fromkeys((t, i) for t, i, _ in items):
                changes.append((doc_type, object_id, self._document(doc_type, object_id)))
            last = max((a for _, _, a in items if a is not None), default=None)
            self.index.apply(changes, audit_index=last)
            for _t, _i, index in items:
                self._remember(index)

    def _remember(self, index):
        if index is None or index in self._applied_set:
            return
        if len(self._applied) == self._applied.maxlen:
            self._applied_set.discard(self._applied[0])
        self._applied.append(index)
        self._applied_set.add(index)

    def _document(self, doc_type, object_id):
        """The checked document, or None (remove) when gone, non-public or refused.

        A refusal is recorded (``SearchRefusal``) so the clerk and the admin see
        that a public record is not findable; the record is cleared once the
        document is indexed or no longer public."""
        doc = source(doc_type, self.app).document_for(object_id)
        if doc is None:
            forget_refusal(doc_type, object_id)
            return None
        try:
            clean = check(doc, find_personal_data)
        except DocumentError as exc:
            log.error("search refused %s:%s (%s); removed from the index", doc_type, object_id, exc)
            record_refusal(doc_type, object_id, refusal_reason(doc, exc))
            return None
        forget_refusal(doc_type, object_id)
        return clean

    # -- whole index --------------------------------------------------------
    def all_documents(self):
        for src in sources(self.app).values():
            yield from src.iter_documents()

    def rebuild(self, progress=None, procs=1):
        """Rebuild from every source; returns the number of documents indexed."""
        def refused(doc, exc):
            log.error("search refused %s:%s (%s)", doc.get("type"), doc.get("id"), exc)
            if isinstance(doc, dict) and doc.get("type") and doc.get("id") is not None:
                record_refusal(str(doc["type"]), str(doc["id"]), refusal_reason(doc, exc))

        with connection():
            SearchRefusal.delete().execute()          # a rebuild re-decides every document
            return self.index.rebuild(self.all_documents(), audit_index=auditlog.head_index(), procs=procs,
                                      progress=progress, on_refused=refused)

    def catch_up(self, overlap=0, skip_applied=False):
        """Rebuild a missing or outdated index, else apply what the audit log holds beyond it.

        The stored audit index is a high-water mark, and changes committed by
        concurrent requests may be indexed out of order: a crash can leave an
        entry below the mark unindexed. So a start re-applies the last
        ``overlap`` entries too (applying is idempotent).
        """
        with connection():
            if not self.index.is_current():
                count = self.rebuild()
                log.info("search index rebuilt: %d documents", count)
                return
            last = self.index.audit_index()
            entries = auditlog.entries_after(-1 if last is None else max(-1, last - overlap))
            items = [(e.object_type, str(e.object_id), e.index) for e in entries if source(e.object_type, self.app)
                     and not (skip_applied and e.index in self._applied_set)]
        for start in range(0, len(items), BATCH):
            self._apply(items[start:start + BATCH])

    def follow(self, seconds):
        """Apply, every ``seconds``, what other processes wrote to the shared log.

        Each server process keeps its own index; a publish on another process
        reaches this one only through the audit log, so look at it regularly.
        On PostgreSQL two processes' commits can land out of index order, so an
        entry may appear below the mark after the mark passed it: each look goes
        ``FOLLOW_OVERLAP`` entries back and applies those this process has not.
        """
        def run():
            while True:
                time.sleep(seconds)
                try:
                    if self.index.is_current():
                        self.catch_up(overlap=FOLLOW_OVERLAP, skip_applied=True)
                except Exception:
                    log.exception("search follow failed; trying again")

        threading.Thread(target=run, name="search-follower", daemon=True).start()

    def start_catch_up(self):
        """Once per process, in the background so the first request is not held up."""
        with self._lock:
            if self._catch_up_started:
                return
            self._catch_up_started = True

        def run():
            try:
                self.catch_up(overlap=RESTART_OVERLAP)
                self.caught_up.set()
            except Exception:
                log.exception("search catch-up failed; trying again on the next request "
                              "(or run `flask --app portal search rebuild`)")
                with self._lock:
                    self._catch_up_started = False

        if self.sync:
            run()
        else:
            threading.Thread(target=run, name="search-catch-up", daemon=True).start()


def refusal_reason(doc, exc):
    """The reason in words a clerk acts on (Chinese, stored as shown): which field holds
    which kind of personal number, masked; else the gate's own message."""
    fields = {"title": "标题", "body": "正文"}
    parts = []
    for name, label in fields.items():
        value = doc.get(name) if isinstance(doc, dict) else None
        found = find_personal_data(value) if isinstance(value, str) else []
        if found:
            kinds = "、".join(dict.fromkeys(KIND_NAMES[f["kind"]] for f in found))
            shown = "、".join(dict.fromkeys(f["masked"] for f in found))
            parts.append(f"{label}含未隐去的{kinds}（{shown}）")
    return "；".join(parts) if parts else f"记录格式不符合搜索要求（{exc}）"


def record_refusal(doc_type, object_id, reason):
    """Remember (or refresh) that the gate refused this document. Another process
    recording the same refusal at the same moment wins the insert; that is fine."""
    try:
        with transaction():
            updated = (SearchRefusal.update(reason=reason, refused_at=utcnow())
                       .where((SearchRefusal.doc_type == doc_type) & (SearchRefusal.object_id == str(object_id)))
                       .execute())
            if not updated:
                SearchRefusal.create(doc_type=doc_type, object_id=str(object_id), reason=reason)
    except peewee.IntegrityError:
        log.info("search refusal of %s:%s already recorded by another process", doc_type, object_id)


def forget_refusal(doc_type, object_id):
    SearchRefusal.delete().where((SearchRefusal.doc_type == doc_type)
                                 & (SearchRefusal.object_id == str(object_id))).execute()


def refusal_for(doc_type, object_id):
    """The standing refusal of one record's document, or None (for the record's staff view)."""
    return (SearchRefusal.select()
            .where((SearchRefusal.doc_type == doc_type) & (SearchRefusal.object_id == str(object_id)))
            .first())


def refusals():
    """Every standing refusal, newest first (the admin's list)."""
    return list(SearchRefusal.select().order_by(SearchRefusal.refused_at.desc(), SearchRefusal.id.desc()))


def init_app(app):
    service = SearchService(app, app.config["INDEX_DIR"], sync=bool(app.config.get("SEARCH_SYNC")))
    app.extensions["search"] = service
    events.subscribe(app, "public.changed", service.on_public_changed)

    if app.config.get("SEARCH_NO_CATCH_UP"):
        service.caught_up.set()
    else:
        @app.before_request
        def _catch_up_once():
            service.start_catch_up()
    return service


def get_service(app=None):
    from flask import current_app
    return (app or current_app).extensions["search"]
