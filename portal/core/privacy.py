"""Requests that must leave no trace of who made them or exactly when.

A domain marks a blueprint with ``untraced(bp)`` (reports to the discipline
inspectors do, for every route a reporter uses). For a request it serves the
request log line has no client address and no user agent, its time is cut to
the hour (as is every other log line written while serving it), a request id
sent by a proxy is not adopted (it would join the line to the proxy's own log),
and an unexpected error is reported by its type only: no traceback, whose
messages may quote what was sent. ``portal.health.logs`` and
``portal.core.web_errors`` read ``is_untraced``; ``LOG_NO_ADDRESS_PREFIXES``
extends the same treatment to paths no blueprint serves (a 404 under the prefix).
"""
from flask import current_app, g, has_request_context, request

ATTRIBUTE = "portal_untraced"


def untraced(bp):
    """Mark ``bp``: the requests it serves leave no address, user agent or exact time behind."""
    setattr(bp, ATTRIBUTE, True)
    return bp


def blueprint_untraced():
    """True when a blueprint serving this request (or one it is nested in) is marked."""
    blueprints = current_app.blueprints
    return any(getattr(blueprints.get(name), ATTRIBUTE, False) for name in request.blueprints)


def mark_request(prefixes=()):
    """Decide once, before the request runs, whether it is untraced (kept on ``g``)."""
    path = request.path
    by_prefix = any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)
    g.untraced = by_prefix or blueprint_untraced()
    return g.untraced


def is_untraced():
    if not has_request_context():
        return False
    return bool(g.get("untraced", False))
