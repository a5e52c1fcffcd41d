"""``/healthz`` and ``/readyz`` with JSON bodies (no authentication, no personal data)."""
import os
import time

from flask import Blueprint, current_app, jsonify

from portal.core.db import database

bp = Blueprint("health", __name__)
DEFAULT_MAX_INDEX_LAG = 50  # audit entries the search index may trail before the process is not ready


@bp.route("/healthz")
def healthz():
    """200 ``{"status": "ok"}`` whenever the process can answer at all, with the database connections the
    process holds (``open``), has opened (``opened``), held at most at once (``peak``) and may lend to work
    outside requests (``pool``)."""
    stats = getattr(database.obj, "connection_stats", None)
    return jsonify(status="ok", pid=os.getpid(), db_connections=dict(stats) if stats else None)


def _check(fn):
    started = time.perf_counter()
    try:
        detail = fn() or {}
        ok = detail.pop("ok", True)
    except Exception as exc:  # a check that raises is a failed check, with its reason
        ok, detail = False, {"reason": type(exc).__name__ + ": " + str(exc)[:200]}
    detail.update(ok=ok, ms=round((time.perf_counter() - started) * 1000, 1))
    return detail


def _database():
    database.execute_sql("SELECT 1").fetchall()
    return {"engine": type(database.obj).__name__}


def _migrations():
    from portal.core.migrations import SchemaMigration
    from portal.core import registry
    steps = [step for domain in registry.of().domains.values() for step in domain.migrations]
    done = {m.version for m in SchemaMigration.select(SchemaMigration.version)}
    missing = [name for version, name, _ in steps if version not in done]
    return {"ok": not missing, "applied": len(done), "missing": missing}


def _search_index():
    from portal import auditlog
    service = current_app.extensions.get("search")
    head = auditlog.head_index()
    indexed = service.index.audit_index() if service else None
    lag = (head if head is not None else -1) - (indexed if indexed is not None else -1)
    limit = int(current_app.config.get("READY_MAX_INDEX_LAG", DEFAULT_MAX_INDEX_LAG))
    # Not ready while the start catch-up runs: the high-water mark may already be at the head while
    # entries below it (reordered by concurrent commits before a crash) are still being re-applied.
    caught_up = service is not None and service.caught_up.is_set()
    return {"ok": service is not None and service.index.is_current() and lag <= limit and caught_up,
            "audit_head": head, "indexed_to": indexed, "lag": lag, "max_lag": limit, "caught_up": caught_up}


def _redis():
    import redis
    url = current_app.config["SOCKETIO_MESSAGE_QUEUE"]
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return {"ok": bool(client.ping())}
    finally:
        client.close()


@bp.route("/readyz")
def readyz():
    """200 when every check passes, else 503; the body lists each check and why it failed."""
    checks = {"database": _check(_database)}
    if checks["database"]["ok"]:
        checks["migrations"] = _check(_migrations)
        checks["search_index"] = _check(_search_index)
    if current_app.config.get("SOCKETIO_MESSAGE_QUEUE"):
        checks["redis"] = _check(_redis)
    ready = all(c["ok"] for c in checks.values())
    return jsonify(status="ready" if ready else "not_ready", checks=checks), 200 if ready else 503
