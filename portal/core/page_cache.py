"""Anonymous public pages answered from memory for a moment, and never once anything has changed.

Most of a county's page views are residents reading the same village pages, feeds and records
anonymously; each was rendered again on every request (tens of queries for a village page), so a
busy morning made the pages slow for everyone. A page is kept when nothing about the request can
make it differ from the next visitor's: a GET of an HTML page or feed, with no cookie but the
language choice, no Authorization header, not an untraced (reporter's) route, and a response that
set no cookie and touched no session (a form's CSRF token does, so pages with forms are never kept:
besides the token they carry keys made for one visitor, such as the appeal form's idempotency key, and
two residents filing from one kept form would file once), is 200 and says nothing against keeping it
(``Cache-Control: no-store``/``private``).

It is never served stale after a change this process can know of: every after-commit event of the
process moves the generation, and on SQLite ``PRAGMA data_version`` tells the request's connection
that another connection or process committed. Changes made by another process on PostgreSQL are
seen when the entry expires (``PAGE_CACHE_SECONDS``, default 1 s; 0 switches the cache off); while
one request renders an expired page again, the others are answered from the expired one. The
after-request hooks (security headers, request id, the log line) run on a kept page as on a fresh
one; ``X-Page-Cache: hit`` says which it was.
"""
import collections
import threading
import time

from flask import current_app, g, request, session

from portal.core import events, privacy
from portal.core.db import database, is_postgres

EXTENSION = "page_cache"
DEFAULT_SECONDS = 1.0
MAX_ENTRIES = 2000
MAX_BYTES = 1_000_000  # a bigger page is rendered each time
REFRESH_SECONDS = 10  # an expired page's refresher that has not stored by then is replaced
KEPT_TYPES = ("text/html", "application/atom+xml")
NOT_KEPT_PREFIXES = ("/api/", "/static/", "/socket.io", "/healthz", "/readyz", "/metrics")
SKIPPED_HEADERS = {"set-cookie", "content-length", "x-request-id"}


class PageCache:
    def __init__(self, seconds, language_cookie, sqlite):
        self.seconds = seconds
        self.language_cookie = language_cookie
        self.sqlite = sqlite
        self.generation = 0
        self._entries = collections.OrderedDict()  # key -> (generation, expires, status, headers, body)
        self._versions = {}  # id(sqlite connection) -> the data_version it last gave
        self._refreshing = {}  # key -> when a request began rendering its expired entry again
        self._lock = threading.Lock()

    def changed(self, *_args, **_payload):
        """An after-commit event: everything kept so far may show the old rows."""
        with self._lock:
            self.generation += 1
            self._entries.clear()
            self._refreshing.clear()

    def _key(self):
        if request.method != "GET" or request.path.startswith(NOT_KEPT_PREFIXES):
            return None
        if "Authorization" in request.headers or any(name != self.language_cookie for name in request.cookies):
            return None
        if privacy.is_untraced():
            return None
        return request.url, request.cookies.get(self.language_cookie)

    def _notice_other_writers(self):
        """SQLite: a commit by any other connection (another process, the CLI, a pooled neighbour)."""
        connection = database.obj.connection()
        version = connection.execute("PRAGMA data_version").fetchone()[0]
        if self._versions.get(id(connection)) != version:
            self._versions[id(connection)] = version
            self.changed()

    def lookup(self):
        key = self._key()
        if key is None:
            return None
        if self.sqlite:
            self._notice_other_writers()
        g.page_cache_key, g.page_cache_generation = key, self.generation
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != self.generation:
                return None
            if entry[1] < now:
                # Expired, yet nothing this process knows of changed: one request renders it again while the
                # others keep getting it (a hundred visitors rendering a village page at once each second
                # would be most of the server's work). A refresher that never stores is given up after a while.
                if self._refreshing.get(key, 0) < now - REFRESH_SECONDS:
                    self._refreshing[key] = now
                    g.page_cache_refreshing = key
                    return None
            self._entries.move_to_end(key)
        _generation, _expires, status, headers, body = entry
        g.page_cache_hit = True
        response = current_app.response_class(body, status=status, headers=headers)
        response.headers["X-Page-Cache"] = "hit"
        response.vary.add("Cookie")  # as the rendered page says: a signed-in visitor's page differs
        return response

    def done(self, _exc=None):
        """Teardown: a refresher that failed or was not kept lets the next request try."""
        key = g.pop("page_cache_refreshing", None)
        if key is not None:
            with self._lock:
                self._refreshing.pop(key, None)

    def store(self, response):
        key = g.get("page_cache_key")
        if key is None or g.get("page_cache_hit") or not self._keepable(response):
            return response
        body = response.get_data()
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in SKIPPED_HEADERS]
        entry = (g.page_cache_generation, time.monotonic() + self.seconds, response.status_code, headers, body)
        with self._lock:
            if entry[0] == self.generation:  # nothing committed while it was rendered
                self._entries[key] = entry
                self._entries.move_to_end(key)
                while len(self._entries) > MAX_ENTRIES:
                    self._entries.popitem(last=False)
        response.headers["X-Page-Cache"] = "miss"
        return response

    def _keepable(self, response):
        if response.status_code != 200 or response.is_streamed or response.direct_passthrough:
            return False
        if response.mimetype not in KEPT_TYPES or "Set-Cookie" in response.headers:
            return False
        if session.modified:  # e.g. a form's CSRF token: this visitor's page, not the next one's
            return False
        control = response.headers.get("Cache-Control", "")
        if "no-store" in control or "private" in control or privacy.is_untraced():
            return False
        length = response.calculate_content_length()
        return length is not None and length <= MAX_BYTES


def init_app(app):
    """Called after every domain's setup: the lookup runs after all other before-request hooks (the
    request id, the pooled connection, a projection's settle), the store before the other after-request
    hooks, so a kept page carries only what its view set."""
    # on for a serving portal; off for an in-process TESTING app unless asked (such tests write rows
    # through the request's own connection, which neither an event nor data_version would report)
    seconds = float(app.config.get("PAGE_CACHE_SECONDS", 0 if app.testing else DEFAULT_SECONDS))
    if seconds <= 0:
        return None
    from portal.core.i18n import LOCALE_COOKIE
    cache = PageCache(seconds, LOCALE_COOKIE, sqlite=not is_postgres())
    app.extensions[EXTENSION] = cache
    events.subscribe(app, "*", cache.changed)
    app.before_request(cache.lookup)
    app.after_request(cache.store)
    app.teardown_request(cache.done)
    return cache
