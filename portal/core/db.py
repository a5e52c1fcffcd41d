"""The peewee database, chosen by URL and bound at app start; connections and transactions.

``database`` is a proxy so models can be declared before configuration is read
(the scout pattern). ``open_database`` turns a URL into a connected peewee
Database: SQLite in WAL mode by default, PostgreSQL for multi-process
deployments. A ``?schema=NAME`` query parameter on a PostgreSQL URL sets the
search_path, which is how test runs keep out of each other's way.
"""
import contextlib
import logging
import os
import threading
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

import peewee
from flask import g
from playhouse.db_url import connect

database = peewee.DatabaseProxy()
EXTENSION = "database"  # app.extensions key: the Database this app bound the proxy to
log = logging.getLogger(__name__)

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",
    # 64 MiB of page cache per connection (SQLite's default is 2 MiB): a county's tables and their
    # indexes are hundreds of MiB, and bulk steps (a sweep's batch, a flag rebuild) touch index pages
    # all over them; with the default every such page is read again from the OS for each row.
    "cache_size": -65536,
    # Checkpoint the WAL into the database every 20,000 pages (80 MiB) instead of every 1,000: a bulk
    # step's batch dirties thousands of index pages, and with the default nearly every commit copied
    # them back (with an fsync) only for the next batch to dirty them again.
    "wal_autocheckpoint": 20000,
}


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


def open_database(url):
    """Return an (unconnected) peewee Database for ``url``."""
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        return _count_connections(peewee.SqliteDatabase(parsed.path[1:] or ":memory:", pragmas=SQLITE_PRAGMAS,
                                                        check_same_thread=False, timeout=10))
    if parsed.scheme.startswith("postgres"):
        query = dict(parse_qsl(parsed.query))
        schema = query.pop("schema", None)
        clean = urlunparse(parsed._replace(scheme="postgresql", query=urlencode(query)))
        kwargs = {}
        if schema:
            kwargs["options"] = f"-c search_path={schema}"
        db = connect(clean, **kwargs)
        if schema:
            db.schema_name = schema
        return _count_connections(db)
    raise ValueError(f"unsupported DATABASE_URL scheme: {parsed.scheme}")


def ensure_schema(db):
    """Create the PostgreSQL schema named in the URL, if any."""
    schema = getattr(db, "schema_name", None)
    if schema:
        db.execute_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')


def driver_rows(query, batch=2000):
    """A query's rows as the driver gives them, tuples in its column order, without peewee's conversion
    per field: for the few readers of millions of rows (the county's open-data export, where converting
    each value back and forth was a third of the time). Dates and times come as text on SQLite and as
    objects on PostgreSQL, booleans as 0/1 on SQLite: ``clock.date_text``, ``clock.iso`` and ``bool``
    read either."""
    cursor = database.execute(query)
    while rows := cursor.fetchmany(batch):
        yield from rows


SCAN_SHARE = 0.25  # ``villages_in``: above this share of the portal's villages, read the whole table


def villages_in(field, village_codes):
    """``field IN village_codes`` for a reader of every row of those villages in id order (the open-data
    export). For a county's villages, SQLite would search the village index once per village and sort
    every row found (a temporary B-tree); ``+field`` keeps the index out, so it reads the table in rowid
    order and filters: the same rows in the same order, 1M appeals in 3 s instead of 10 (500k seal uses
    3 s instead of 6). A few villages' rows (a township's) still come through the index. PostgreSQL
    plans this itself (and has no unary plus on text)."""
    codes = list(village_codes)
    units = getattr(field, "rel_model", None)  # the units table the field refers to (core imports no domain)
    if codes and not is_postgres() and units is not None and hasattr(units, "level"):
        villages = units.select().where(units.level == "village").count()
        if villages and len(codes) > SCAN_SHARE * villages:
            return peewee.NodeList((peewee.SQL("+"), field), glue="").in_(codes)
    return field.in_(codes)


def id_list(ids):
    """``(1,2,3)`` as one SQL node for ``field.in_(...)``: integer ids written into the statement.

    peewee binds each value of ``in_([...])`` as its own node and parameter; for the thousands of ids
    of a bulk step (a sweep's batch, the red flags after it) building that statement cost more than
    running it. Only integers go in (``int()`` of each), so nothing can be injected."""
    return peewee.SQL("(" + ",".join(str(int(i)) for i in ids) + ")") if ids else peewee.SQL("(NULL)")


def is_postgres(db=None):
    return isinstance((db or database.obj), peewee.PostgresqlDatabase)


# -- connections ---------------------------------------------------------------

POOL_SIZE = int(os.environ.get("PORTAL_DB_POOL", "16"))
POOL_WAIT_SECONDS = 30  # a unit of work waiting longer for a connection fails (rather than hang for ever)


def _count_connections(db):
    """Count the driver connections ``db`` opens and closes (``/healthz`` shows them): ``open`` now,
    ``opened`` ever, ``peak`` open at once."""
    stats = db.connection_stats = {"open": 0, "opened": 0, "peak": 0, "pool": POOL_SIZE}
    guard = threading.Lock()
    opener, closer = db._connect, db._close

    def _connect():
        conn = opener()
        with guard:
            stats["open"] += 1
            stats["opened"] += 1
            stats["peak"] = max(stats["peak"], stats["open"])
        return conn

    def _close(conn):
        try:
            closer(conn)
        finally:
            with guard:
                stats["open"] -= 1

    db._connect, db._close = _connect, _close
    return db


class ConnectionPool:
    """Connections lent to units of work outside a request: Socket.IO events, background jobs, commands.

    peewee keeps one connection per thread, and under gevent every Socket.IO event runs in a greenlet of
    its own: when each unit of work opened (SQLite: a file and six PRAGMAs; PostgreSQL: a new server
    process) and closed its own connection, 3,000 viewers joining at once held 2,955 SQLite connections,
    and on PostgreSQL they would have been 3,000 backends (the server allows 100). The pool lends at most
    ``size`` connections at once; a unit of work beyond that waits (cooperatively under gevent) for one to
    come back, and a connection comes back clean (no open transaction) or is closed."""

    def __init__(self, db, size):
        self.db, self.size = db, size
        self._slots = threading.BoundedSemaphore(size)
        self._idle = []
        self._guard = threading.Lock()

    def borrow(self, wait=True):
        """Give this thread's (greenlet's) peewee state a connection: an idle one, else a new one.

        ``wait=False`` (a meeting's host posting while thousands of viewers join) never queues behind the
        others: without a free slot it opens one more connection, closed when given back. Returns whether
        a slot is held (``give_back`` needs it)."""
        if not wait and not self._slots.acquire(blocking=False):
            self.db.connect()
            return False
        if wait and not self._slots.acquire(timeout=POOL_WAIT_SECONDS):
            raise peewee.OperationalError(f"no database connection came free in {POOL_WAIT_SECONDS} s "
                                          f"(all {self.size} of the pool in use)")
        try:
            while True:
                with self._guard:
                    raw = self._idle.pop() if self._idle else None
                if raw is None:
                    self.db.connect()  # opens and initialises it (PRAGMAs) for this thread
                    return True
                if _usable(raw):
                    self.db._state.set_connection(raw)
                    return True
                self._discard(raw)
        except BaseException:
            self._slots.release()
            raise

    def give_back(self, slot=True):
        """Take this thread's connection back; keep it if it is clean (and held a slot), else close it."""
        db = self.db
        try:
            if db.is_closed():
                return  # closed inside the unit of work: nothing to keep
            raw = db._state.conn
            db._state.reset()
            if slot and _clean(raw):
                with self._guard:
                    self._idle.append(raw)
            else:
                self._discard(raw)
        finally:
            if slot:
                self._slots.release()

    def _discard(self, raw):
        try:
            self.db._close(raw)
        except Exception:
            log.debug("closing a pooled connection failed", exc_info=True)

    def close_idle(self):
        with self._guard:
            idle, self._idle = self._idle, []
        for raw in idle:
            self._discard(raw)


def _usable(raw):
    return not getattr(raw, "closed", 0)  # psycopg2 marks a connection it lost; sqlite3 has no such flag


def _clean(raw):
    """Roll back whatever a unit of work left open; False if the connection cannot be reused."""
    try:
        if not _usable(raw):
            return False
        if hasattr(raw, "get_transaction_status"):  # psycopg2
            import psycopg2.extensions as ext
            status = raw.get_transaction_status()
            if status == ext.TRANSACTION_STATUS_UNKNOWN:
                return False
            if status != ext.TRANSACTION_STATUS_IDLE:
                raw.rollback()
        elif raw.in_transaction:
            raw.rollback()
        return True
    except Exception:
        return False


def pool_of(db):
    pool = getattr(db, "portal_pool", None)
    if pool is None:
        with _pool_guard:
            pool = getattr(db, "portal_pool", None)
            if pool is None:
                pool = db.portal_pool = ConnectionPool(db, POOL_SIZE)
    return pool


_pool_guard = threading.Lock()


@contextmanager
def connection(wait=True):
    """A connection for code outside a request (Socket.IO handlers, CLI, threads), lent by the pool.

    Inside a request or another ``connection()`` it is the one already open, so nesting is harmless.
    ``wait=False``: never wait for the pool (see ``ConnectionPool.borrow``).
    """
    db = database.obj
    if not db.is_closed():
        yield db
        return
    pool = pool_of(db)
    slot = pool.borrow(wait)
    try:
        yield db
    finally:
        pool.give_back(slot)  # a transaction left open (an error peewee did not unwind) is rolled back


def release_idle(db):
    """Close the pooled connections nobody holds (a process done with a database, e.g. a test
    rebinding the models to another one, must not keep its files open)."""
    pool = getattr(db, "portal_pool", None)
    if pool is not None:
        pool.close_idle()


def init_app(app):
    """One connection per request, lent by the pool before it and given back on teardown.

    Opening one for each request cost more than the request (SQLite: open the file, map the WAL index,
    set the PRAGMAs; the last one's close checkpointed and removed the WAL): a list page of the API took
    51.7 ms with it and 18.1 ms with the pool, in one profile on a loaded machine."""
    @app.before_request
    def _connect():
        if database.is_closed():
            g._db_slot = pool_of(database.obj).borrow()

    @app.teardown_request
    def _close(exc):
        slot = g.pop("_db_slot", None)
        if slot is not None:
            pool_of(database.obj).give_back(slot)
        elif not database.is_closed():
            database.close()


# -- transactions and after-commit hooks ------------------------------------------

_local = threading.local()
# SQLite has one writer at a time. Under gevent each statement runs in a small thread pool, so
# writers waiting in SQLite's busy handler each hold a pool thread; enough of them and the
# writer holding the lock finds no thread for its next statement and everyone waits out the
# busy timeout ("database is locked" after 10 s under 8 concurrent clients). So within a
# process writers queue here, cooperatively, and only one at a time waits inside SQLite.
_sqlite_writer = threading.RLock()


def _pending():
    """This thread's hooks waiting for the outermost commit (peewee's state is per thread too)."""
    pending = getattr(_local, "pending", None)
    if pending is None:
        pending = _local.pending = []
    return pending


def _run_pending():
    pending = _pending()
    todo, pending[:] = list(pending), []
    for fn in todo:
        try:
            fn()
        except Exception:  # a projection must never undo or block the write that fed it
            log.exception("after-commit hook %r failed", fn)


@contextmanager
def transaction(lock=False):
    """One unit of work: rows and their audit entry commit together or not at all.

    Nested calls become savepoints of the outermost one. Hooks added with
    ``on_commit`` run once, after the outermost commit; a rollback (of the
    whole or of the savepoint they were added in) drops them, so a service
    called inside a caller's transaction never announces a change early.

    ``lock=True`` takes the write lock when the outermost transaction begins
    (SQLite ``BEGIN IMMEDIATE``), so a state check made inside cannot race a
    concurrent writer; on PostgreSQL lock the row itself (``for_update``).
    On SQLite every outermost transaction begins IMMEDIATE behind the process's
    writer queue (``_sqlite_writer``): a deferred one that reads, then writes,
    would fail at once when another writer committed in between.
    """
    db = database.obj
    outermost = db.transaction_depth() == 0
    pending = _pending()
    if outermost:
        pending.clear()  # left over from a transaction that rolled back outside our control
    mark = len(pending)
    sqlite_outermost = outermost and isinstance(db, peewee.SqliteDatabase)
    block = db.atomic(lock_type="IMMEDIATE") if sqlite_outermost else db.atomic()
    guard = _sqlite_writer if sqlite_outermost else contextlib.nullcontext()
    try:
        with guard, block:
            yield db
    except BaseException:
        del pending[mark:]
        raise
    if outermost:
        _run_pending()  # after the writer queue is released: hooks may write in turn


def on_commit(fn):
    """Run ``fn()`` after the outermost transaction commits (never if it rolls back).

    Refuses to run outside ``transaction()``: an event announced without one
    could describe a change that never happened.
    """
    if database.obj is None or not database.obj.in_transaction():
        raise RuntimeError("on_commit() must be called inside transaction()")
    _pending().append(fn)
    return fn


def for_update(query):
    """``SELECT … FOR UPDATE`` where the database has row locks (PostgreSQL); SQLite's
    ``transaction(lock=True)`` already holds the write lock."""
    return query.for_update() if is_postgres() else query
