"""The peewee database, chosen by URL and bound at app start.

``database`` is a proxy so models can be declared before configuration is read
(the scout pattern). ``open_database`` turns a URL into a connected peewee
Database: SQLite in WAL mode by default, PostgreSQL for multi-process
deployments. A ``?schema=NAME`` query parameter on a PostgreSQL URL sets the
search_path, which is how test runs keep out of each other's way.
"""
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

import peewee
from playhouse.db_url import connect

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",
}


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


def open_database(url):
    """Return an (unconnected) peewee Database for ``url``."""
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        return peewee.SqliteDatabase(parsed.path[1:] or ":memory:",
                                     pragmas=SQLITE_PRAGMAS, check_same_thread=False, timeout=10)
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
        return db
    raise ValueError(f"unsupported DATABASE_URL scheme: {parsed.scheme}")


def ensure_schema(db):
    """Create the PostgreSQL schema named in the URL, if any."""
    schema = getattr(db, "schema_name", None)
    if schema:
        db.execute_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')


def is_postgres(db=None):
    return isinstance((db or database.obj), peewee.PostgresqlDatabase)
