"""A memo for one computation pass: what several computations of the pass share is computed once.

The dashboard recomputes many figures of many units in one pass; a domain whose
figures rest on the same per-village work (publication duties: met, due and
overdue from one ``duty_status``) asks ``memoized`` for it, and the pass's
runner opens the ``scope``. Outside a scope nothing is kept, so a value can
never outlive the pass that read it.
"""
import contextvars
from contextlib import contextmanager

_current = contextvars.ContextVar("portal_memo", default=None)


@contextmanager
def scope():
    token = _current.set({})
    try:
        yield
    finally:
        _current.reset(token)


def memoized(key, fn):
    """``fn()``, computed once per ``key`` inside the current scope (every time outside one)."""
    memo = _current.get()
    if memo is None:
        return fn()
    if key not in memo:
        memo[key] = fn()
    return memo[key]
