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
