"""After-commit events: search indexing, live broadcasts and feeds subscribe here.

Services emit only after their transaction has committed, so a subscriber never
sees a change that could still roll back. A failing subscriber is logged and
never undoes or blocks the write: projections can always be rebuilt.
"""
import logging
from collections import defaultdict

log = logging.getLogger(__name__)
_subscribers = defaultdict(list)


def subscribe(name, fn):
    if fn not in _subscribers[name]:
        _subscribers[name].append(fn)


def emit(name, **payload):
    for fn in list(_subscribers.get(name, ())) + list(_subscribers.get("*", ())):
        try:
            fn(name, **payload)
        except Exception:  # a projection must never break the write that fed it
            log.exception("subscriber %r failed for %s", fn, name)
