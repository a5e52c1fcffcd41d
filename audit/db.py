"""The audit package's own database handle.

A peewee ``DatabaseProxy`` that whoever uses the log initialises: the portal
binds it to its own Database (same connection, so entries join the caller's
transaction); ``python -m audit verify`` binds it to a URL.
"""
import peewee

database = peewee.DatabaseProxy()


def real_database():
    """The concrete Database behind the proxy (proxies may be chained)."""
    db = database
    while isinstance(db, peewee.Proxy):
        db = db.obj
    return db


def is_postgres():
    return isinstance(real_database(), peewee.PostgresqlDatabase)


def open_url(url):
    """A peewee Database for a URL (sqlite:///path, postgresql://…[?schema=NAME])."""
    from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse
    from playhouse.db_url import connect
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        return peewee.SqliteDatabase(parsed.path[1:] or ":memory:", pragmas={"busy_timeout": 10000})
    query = dict(parse_qsl(parsed.query))
    schema = query.pop("schema", None)
    clean = urlunparse(parsed._replace(scheme="postgresql", query=urlencode(query)))
    return connect(clean, **({"options": f"-c search_path={schema}"} if schema else {}))
