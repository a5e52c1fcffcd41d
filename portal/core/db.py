"""The peewee database, chosen by URL and bound at app start; connections and transactions.

``database`` is a proxy so models can be declared before configuration is read
(the scout pattern). ``open_database`` turns a URL into a connected peewee
Database: SQLite in WAL mode by default, PostgreSQL for multi-process
deployments. A ``?schema=NAME`` query parameter on a PostgreSQL URL sets the
search_path, which is how test runs keep out of each other's way.
"""
import contextlib
import logging
import threading
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

import peewee
from playhouse.db_url import connect
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

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


# Connections are pooled: a request (or a socket event, a job's round) checks one out and gives it back.
# Opening one each time cost more than the request itself (SQLite: open the file and map the WAL index,
# set five pragmas; and the last connection's close checkpoints and removes the WAL, which the next one
# must create again), about 15-20 ms on this machine against a 5 ms list page. The pool is bounded so
# a burst of greenlets waits for a connection rather than opening thousands (each SQLite one may grow
# a page cache of up to 64 MiB); a connection idle longer than ``POOL_STALE_SECONDS`` is closed.
POOL_MAX_CONNECTIONS = 32
POOL_WAIT_SECONDS = 30
POOL_STALE_SECONDS = 600


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


def open_database(url):
    """Return an (unconnected) peewee Database for ``url``."""
    parsed = urlparse(url)
    pool = {"max_connections": POOL_MAX_CONNECTIONS, "timeout": POOL_WAIT_SECONDS,
            "stale_timeout": POOL_STALE_SECONDS}
    if parsed.scheme.startswith("sqlite"):
        # ``timeout`` is the pool's wait here; SQLite's own busy wait is the busy_timeout pragma
        return PooledSqliteDatabase(parsed.path[1:] or ":memory:", pragmas=SQLITE_PRAGMAS,
                                    check_same_thread=False, **pool)
    if parsed.scheme.startswith("postgres"):
        query = dict(parse_qsl(parsed.query))
        schema = query.pop("schema", None)
        clean = urlunparse(parsed._replace(scheme="postgresql", query=urlencode(query)))
        kwargs = {}
        if schema:
            kwargs["options"] = f"-c search_path={schema}"
        db = connect(clean.replace("postgresql://", "postgres+pool://", 1), **kwargs, **pool)
        if schema:
            db.schema_name = schema
        return db
    raise ValueError(f"unsupported DATABASE_URL scheme: {parsed.scheme}")


def release_idle(db):
    """Close the pooled connections nobody holds (a process done with a database, e.g. a test
    rebinding the models to another one, must not keep its files open)."""
    if isinstance(db, (PooledSqliteDatabase, PooledPostgresqlDatabase)):
        db.close_idle()


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


def id_list(ids):
    """``(1,2,3)`` as one SQL node for ``field.in_(...)``: integer ids written into the statement.

    peewee binds each value of ``in_([...])`` as its own node and parameter; for the thousands of ids
    of a bulk step (a sweep's batch, the red flags after it) building that statement cost more than
    running it. Only integers go in (``int()`` of each), so nothing can be injected."""
    return peewee.SQL("(" + ",".join(str(int(i)) for i in ids) + ")") if ids else peewee.SQL("(NULL)")


def is_postgres(db=None):
    return isinstance((db or database.obj), peewee.PostgresqlDatabase)


# -- connections ---------------------------------------------------------------

@contextmanager
def connection():
    """A connection for code outside a request (Socket.IO handlers, CLI, threads).

    Closes it afterwards only if it opened it, so nesting inside a request or
    another ``connection()`` is harmless.
    """
    opened = database.connect(reuse_if_open=True)
    try:
        yield database.obj
    finally:
        if opened and not database.is_closed():
            database.close()


def init_app(app):
    """One connection per request: opened before it, closed on teardown."""
    @app.before_request
    def _connect():
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not database.is_closed():
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
