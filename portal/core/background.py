"""Periodic jobs of a serving portal (sweeps, escalations, checkpoints), started one way.

A job runs in a daemon thread, each round inside its app's context with a connection; a
failed round is logged and the next one tries again. ``stop(app)`` ends every job of an app.
Domains start their jobs only for a serving app (``serving(app)``), never for a TESTING one:
tests create many apps in one process while the database proxy is process-wide, so a job
left over from an earlier app would write into whatever database the process bound next,
with that app's keys. A test that needs a job starts it itself and stops it; and each round
first checks that its app's database is still the bound one (``owns_database``), so a job an
app forgot to stop sits idle instead of writing elsewhere.
"""
import atexit
import logging
import threading

import peewee

from portal.core import db as core_db
from portal.core.db import connection

EXTENSION = "background_jobs"
log = logging.getLogger(__name__)


def serving(app):
    return not app.testing


def owns_database(app):
    """True while the process-wide model proxy is bound to ``app``'s own database."""
    own = app.extensions.get(core_db.EXTENSION)
    return own is None or core_db.database.obj is own


def every(app, name, seconds, job):
    """Run ``job()`` every ``seconds`` (a float, or a callable read before each wait) until stopped.

    Returns the job's stop event; ``seconds`` <= 0 starts nothing (the job is switched off)."""
    wait = seconds if callable(seconds) else (lambda: seconds)
    if wait() <= 0:
        return None
    stop_event = threading.Event()
    app.extensions.setdefault(EXTENSION, {})[name] = stop_event

    def run():
        while not stop_event.wait(wait()):
            if not owns_database(app):
                continue  # another app of this process is bound now: its database is not ours
            try:
                with app.app_context(), connection():
                    job()
            except peewee.OperationalError as exc:
                log.warning("%s skipped this round: %s", name, exc)
            except Exception:  # the next round tries again; the CLI command does the same
                log.exception("%s failed", name)

    threading.Thread(target=run, name=name, daemon=True).start()
    return stop_event


def stop(app):
    for stop_event in app.extensions.get(EXTENSION, {}).values():
        stop_event.set()


class AfterCommitQueue:
    """A projection's after-commit work taken off the writer's path, and the reader's wait for it.

    The ``public.changed`` subscriber ``put``s what changed; one daemon thread per app applies what has
    queued up in one call of ``apply(items)`` (a burst of writes becomes one batch), inside the app's
    context with a pooled connection. The writer's request answers without waiting for it.

    A request of this process that begins while work is queued first waits for it (``settle``, bounded
    by ``settle_seconds``): a clerk who publishes and then opens the inspectors' list, or a test talking
    to a server, reads what its own write raised. ``sync`` (TESTING apps, the CLI) applies inside
    ``put`` instead; a failed batch is logged, as the projection can always be rebuilt. A server stopped
    with SIGTERM applies what it queued before it exits; one killed loses it until the next rebuild."""

    def __init__(self, app, name, apply, sync=False, settle_seconds=5.0):
        self.app, self.name, self.apply, self.sync = app, name, apply, sync
        self.settle_seconds = settle_seconds
        self._items = []
        self._queued = 0  # items ever put
        self._done = 0  # items applied (or failed)
        self._cond = threading.Condition()
        self._worker = None
        if not sync:
            app.before_request(self._before_request)
            atexit.register(self.settle, settle_seconds)  # a stopping server first applies what it queued

    def put(self, item):
        if self.sync:
            self._apply([item])
            return
        with self._cond:
            self._items.append(item)
            self._queued += 1
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._drain, name=self.name, daemon=True)
                self._worker.start()
            self._cond.notify_all()

    def pending(self):
        return self._queued - self._done

    def settle(self, timeout=None):
        """Wait until everything put before this call is applied; False if ``timeout`` passed first."""
        with self._cond:
            target = self._queued
            return self._cond.wait_for(lambda: self._done >= target, timeout)

    def _before_request(self):
        if self._queued != self._done and not self.settle(self.settle_seconds):
            log.warning("%s: a request went on after %.0f s with %d change(s) still queued", self.name,
                        self.settle_seconds, self.pending())

    def _apply(self, items):
        try:
            with self.app.app_context(), connection():
                self.apply(items)
        except Exception:  # a projection: log it, keep serving; a rebuild repairs it
            log.exception("%s failed for %d change(s)", self.name, len(items))

    def _drain(self):
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._items)
                items, self._items = self._items, []
            if owns_database(self.app):  # else another app of this process is bound: not our database
                self._apply(items)
            with self._cond:
                self._done += len(items)
                self._cond.notify_all()
