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
