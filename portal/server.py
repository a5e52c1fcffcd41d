"""The production server: gevent's WSGI server with WebSocket support, one per process.

Why gevent (and not eventlet or Werkzeug): Flask-SocketIO recommends gevent or
eventlet for production; eventlet is in maintenance mode and its own authors
advise moving off it, while gevent is maintained and works with the
``simple-websocket`` package we already ship (so no unmaintained
gevent-websocket). ``run.py`` monkey-patches the standard library before
anything else is imported, so the portal's background threads (checkpointer,
search indexer, viewer counter, Redis listener) become greenlets.

Blocking C calls would stall every connection of the process while they run,
so :func:`cooperate` makes them yield: psycopg2 waits through gevent
(psycogreen), SQLite statements and Argon2 hashes run in gevent's pool of real
threads (both release the GIL).
"""
import sys


def gevent_active():
    """True when this process runs under a monkey-patched gevent (the production server)."""
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("socket"))


def async_mode():
    """The Socket.IO async mode that matches the server this process runs."""
    return "gevent" if gevent_active() else "threading"


class _BufferedCursor:
    """A cursor whose rows were fetched in a pool thread, read afterwards without blocking."""

    def __init__(self, cursor):
        self.description = cursor.description
        self.lastrowid = cursor.lastrowid
        self.rowcount = cursor.rowcount
        self._rows = cursor.fetchall() if cursor.description else []
        self._at = 0
        cursor.close()

    def fetchone(self):
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchmany(self, size=100):
        rows = self._rows[self._at:self._at + size]
        self._at += len(rows)
        return rows

    def fetchall(self):
        rows = self._rows[self._at:]
        self._at = len(self._rows)
        return rows

    def __iter__(self):
        while True:
            row = self.fetchone()
            if row is None:
                return
            yield row

    def close(self):
        self._rows = []


def _offload_sqlite(db):
    """Run each SQLite statement (and its fetch) in gevent's thread pool.

    A statement waiting on SQLite's busy lock or scanning a big table then holds
    up only the greenlet that issued it. The connection stays with one greenlet
    at a time (peewee keeps one per greenlet), so sharing it with pool threads is
    safe (it is opened with ``check_same_thread=False``).
    """
    import gevent
    import peewee

    def execute_sql(sql, params=None):
        cursor = db.cursor()  # here, in the greenlet: the connection peewee keeps for it

        def run():
            with peewee.__exception_wrapper__:
                cursor.execute(sql, params or ())
                return _BufferedCursor(cursor)
        return gevent.get_hub().threadpool.apply(run)

    def begin(lock_type=None):
        """``BEGIN IMMEDIATE`` waits on the write lock: in the pool too, or the waiting greenlet
        blocks the hub and the holder can never finish (peewee's ``begin`` bypasses ``execute_sql``)."""
        lock_type = lock_type or db._lock_type
        execute_sql(f"BEGIN {lock_type}" if lock_type else "BEGIN")

    db.execute_sql = execute_sql
    db.begin = begin


def _offload_argon2():
    import argon2
    import gevent

    for name in ("hash", "verify"):
        original = getattr(argon2.PasswordHasher, name)

        def offloaded(self, *args, _original=original, **kwargs):
            return gevent.get_hub().threadpool.apply(_original, (self,) + args, kwargs)
        setattr(argon2.PasswordHasher, name, offloaded)


def cooperate(db):
    """Make the blocking calls of this process yield to other connections (gevent only)."""
    if not gevent_active():
        return
    import peewee
    from psycogreen.gevent import patch_psycopg
    patch_psycopg()
    if isinstance(db, peewee.SqliteDatabase):
        _offload_sqlite(db)
    _offload_argon2()


def serve(app, host, port):
    """Serve HTTP and Socket.IO on gevent's WSGI server until the process is stopped."""
    from gevent import pywsgi, signal_handler
    import signal

    from portal.core.extensions import socketio
    server = pywsgi.WSGIServer((host, port), app, log=None, error_log=None)
    # systemd and the tests stop the portal with SIGTERM: finish cleanly, exit 0.
    signal_handler(signal.SIGTERM, server.stop)
    socketio.wsgi_server = server
    server.serve_forever()
