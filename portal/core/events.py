"""After-commit events: search indexing, live broadcasts and feeds subscribe here.

``emit`` may only be called inside ``transaction()``: the event is queued on
the transaction and delivered after the outermost commit, so a subscriber
never sees a change that could still roll back, and a service called inside
a caller's transaction never announces early. A failing subscriber is logged
and never undoes or blocks the write: projections can always be rebuilt.
"""
import logging

from flask import current_app

from portal.core import registry
from portal.core.db import on_commit

log = logging.getLogger(__name__)


def subscribe(app, name, fn):
    subscribers = registry.of(app).subscribers[name]
    if fn not in subscribers:
        subscribers.append(fn)


def emit(name, **payload):
    """Queue ``name`` for the current app's subscribers, delivered after commit."""
    app = current_app._get_current_object()
    on_commit(lambda: deliver(app, name, payload))


def emit_many(name, payloads):
    """Queue several events of one kind (one batch of a bulk step), delivered together after commit.

    A subscriber with a ``many`` attribute gets them in one call, ``many(name, payloads)``, so a
    projection reads and writes once for all of them; any other subscriber gets them one by one,
    exactly as if each had been ``emit``-ted.
    """
    payloads = [dict(p) for p in payloads]
    if payloads:
        app = current_app._get_current_object()
        on_commit(lambda: deliver_many(app, name, payloads))


def deliver_many(app, name, payloads):
    subs = registry.of(app).subscribers
    for fn in list(subs.get(name, ())) + list(subs.get("*", ())):
        many = getattr(fn, "many", None)
        if many is not None:
            try:
                many(name, payloads)
            except Exception:  # a projection must never break the write that fed it
                log.exception("subscriber %r failed for %d %s", many, len(payloads), name)
            continue
        for payload in payloads:
            try:
                fn(name, **payload)
            except Exception:
                log.exception("subscriber %r failed for %s", fn, name)


def deliver(app, name, payload):
    subs = registry.of(app).subscribers
    for fn in list(subs.get(name, ())) + list(subs.get("*", ())):
        try:
            fn(name, **payload)
        except Exception:  # a projection must never break the write that fed it
            log.exception("subscriber %r failed for %s", fn, name)
