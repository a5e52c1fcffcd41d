"""Schema versions, so an existing instance upgrades in place without losing data.

A fresh database gets every table from the models and is stamped with the
latest version. An existing one gets each pending step in order, then any new
tables (additive, created if missing). Each domain declares its own steps in
its descriptor (``Domain.migrations``); versions are unique across the portal
and applied in order. Add a step with the next free number; never edit a step
that has shipped.
"""
import datetime

import peewee
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from portal.core.db import BaseModel


class SchemaMigration(BaseModel):
    version = peewee.IntegerField(primary_key=True)  # step number
    name = peewee.CharField(max_length=80)
    applied_at = peewee.DateTimeField(default=datetime.datetime.utcnow)


def _migrator(db):
    if isinstance(db, peewee.PostgresqlDatabase):
        return PostgresqlMigrator(db)
    return SqliteMigrator(db)


def check_steps(steps):
    """The domains' steps in version order; two domains claiming one version is a bug."""
    versions = [v for v, _, _ in steps]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"migration versions claimed twice: {sorted(versions)}")
    return sorted(steps, key=lambda s: s[0])


def upgrade(db, models, steps):
    """Bring the database to the latest schema; returns the names of the steps applied.

    SQLite rebuilds a table to add a NOT NULL column, which foreign keys would
    block, so they are off (outside the transaction, as SQLite requires) while
    the steps run and checked again afterwards.
    """
    sqlite = isinstance(db, peewee.SqliteDatabase)
    if sqlite:
        db.pragma("foreign_keys", 0, permanent=False)
    try:
        applied = _upgrade(db, models, check_steps(steps))
    finally:
        if sqlite:
            db.pragma("foreign_keys", 1, permanent=False)
    if sqlite and db.execute_sql("PRAGMA foreign_key_check").fetchall():
        raise RuntimeError("schema upgrade left broken foreign keys")
    return applied


def _upgrade(db, models, steps):
    applied = []
    with db.atomic():
        fresh = not db.table_exists("unit")
        db.create_tables([SchemaMigration], safe=True)
        done = {m.version for m in SchemaMigration.select()}
        if fresh:
            db.create_tables(models, safe=True)
            for version, name, _ in steps:
                SchemaMigration.create(version=version, name=name)
            return applied
        migrator = _migrator(db)
        for version, name, step in steps:
            if version in done:
                continue
            migrate(*step(migrator, db))
            SchemaMigration.create(version=version, name=name)
            applied.append(name)
        db.create_tables(models, safe=True)
    return applied
