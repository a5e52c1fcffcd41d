"""One JSON line per log record and per request, with a request id and no personal data.

Request lines carry method, path (never the query string: searches and
receipt codes travel there), status, duration and the request id. The client
address is logged except for untraced requests (``portal.core.privacy``: a
blueprint marked ``untraced``, or a path under ``LOG_NO_ADDRESS_PREFIXES``),
whose lines also have their time cut to the hour and a request id of their own.
"""
import json
import logging
import re
import sys
import time
import uuid

from flask import g, request

from portal.core import privacy

DEFAULT_NO_ADDRESS_PREFIXES = ("/reports", "/api/v1/reports", "/report")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access_log = logging.getLogger("portal.access")


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", …extra}``; extras come from ``extra={"fields": {…}}``."""

    def format(self, record):
        if privacy.is_untraced():  # nothing finer than the hour for a reporter's request
            stamp = time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime(record.created))
        else:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        line = {"ts": stamp,
                "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage()}
        line.update(getattr(record, "fields", {}))
        request_id = line.get("request_id") or _current_request_id()
        if request_id:
            line["request_id"] = request_id
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _current_request_id():
    try:
        return g.get("request_id")
    except RuntimeError:  # outside a request
        return None


def configure(stream=None, level=logging.INFO):
    """Send every logger's records to ``stream`` (stderr) as JSON lines (the server calls this once)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def init_app(app):
    prefixes = tuple(app.config.get("LOG_NO_ADDRESS_PREFIXES") or DEFAULT_NO_ADDRESS_PREFIXES)

    @app.before_request
    def _request_id():
        untraced = privacy.mark_request(prefixes)
        given = "" if untraced else request.headers.get("X-Request-Id", "")
        g.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        request_id = g.get("request_id")
        if request_id is None:
            return response
        response.headers["X-Request-Id"] = request_id
        fields = {"request_id": request_id, "method": request.method, "path": request.path,
                  "status": response.status_code,
                  "ms": round((time.perf_counter() - g.request_started) * 1000, 1)}
        if not privacy.is_untraced():
            fields["remote"] = request.remote_addr
        access_log.info("request", extra={"fields": fields})
        return response
