"""Schema versions, so an existing instance upgrades in place without losing data.

A fresh database gets every table from the models and is stamped with the
latest version. An existing one gets each pending step in order, then any new
tables (additive, created if missing). Add a step by appending to STEPS; never
edit a step that has shipped.
"""
import datetime

import peewee
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from portal.core.db import BaseModel


class SchemaMigration(BaseModel):
    version = peewee.IntegerField(primary_key=True)  # step number
    name = peewee.CharField(max_length=80)
    applied_at = peewee.DateTimeField(default=datetime.datetime.utcnow)


def _unit_sort_order(migrator, db):
    return [migrator.add_column("unit", "sort_order", peewee.IntegerField(default=0))]


def _user_display_name(migrator, db):
    return [migrator.add_column("user", "display_name", peewee.CharField(max_length=32, default=""))]


def _publication_amount_duties(migrator, db):
    """金额/决定日期 on publications and the amount-threshold duty rule; an instance
    older than the publications domain gets its tables whole from the models."""
    ops = []
    if db.table_exists("publication"):
        ops += [migrator.add_column("publication", "amount",
                                    peewee.DecimalField(max_digits=14, decimal_places=2, null=True)),
                migrator.add_column("publication", "decided_on", peewee.DateField(null=True))]
    if db.table_exists("duty_rule"):
        ops += [migrator.add_column("duty_rule", "kind", peewee.CharField(max_length=10, default="periodic")),
                migrator.add_column("duty_rule", "threshold",
                                    peewee.DecimalField(max_digits=14, decimal_places=2, null=True)),
                migrator.add_column("duty_rule", "within_days", peewee.IntegerField(null=True))]
    return ops


STEPS = [
    (1, "unit_sort_order", _unit_sort_order),
    (2, "user_display_name", _user_display_name),
    (3, "publication_amount_duties", _publication_amount_duties),
]


def _migrator(db):
    if isinstance(db, peewee.PostgresqlDatabase):
        return PostgresqlMigrator(db)
    return SqliteMigrator(db)


def upgrade(db, models):
    """Bring the database to the latest schema; returns the names of the steps applied.

    SQLite rebuilds a table to add a NOT NULL column, which foreign keys would
    block, so they are off (outside the transaction, as SQLite requires) while
    the steps run and checked again afterwards.
    """
    sqlite = isinstance(db, peewee.SqliteDatabase)
    if sqlite:
        db.pragma("foreign_keys", 0, permanent=False)
    try:
        applied = _upgrade(db, models)
    finally:
        if sqlite:
            db.pragma("foreign_keys", 1, permanent=False)
    if sqlite and db.execute_sql("PRAGMA foreign_key_check").fetchall():
        raise RuntimeError("schema upgrade left broken foreign keys")
    return applied


def _upgrade(db, models):
    applied = []
    with db.atomic():
        fresh = not db.table_exists("unit")
        db.create_tables([SchemaMigration], safe=True)
        done = {m.version for m in SchemaMigration.select()}
        if fresh:
            db.create_tables(models, safe=True)
            for version, name, _ in STEPS:
                SchemaMigration.create(version=version, name=name)
            return applied
        migrator = _migrator(db)
        for version, name, step in STEPS:
            if version in done:
                continue
            migrate(*step(migrator, db))
            SchemaMigration.create(version=version, name=name)
            applied.append(name)
        db.create_tables(models, safe=True)
    return applied
