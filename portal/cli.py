"""``flask --app portal …`` commands: init-db, create-user, create-token, seed-demo, backup, restore."""
import functools
import sqlite3
from pathlib import Path

import click
from flask import current_app
import peewee

from portal.core.db import connection, database


def _connected(fn):
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with connection():
            return fn(*args, **kwargs)
    return wrapped


@click.command("init-db")
@_connected
def init_db():
    """Create or upgrade the schema (already done on start; safe to repeat)."""
    click.echo("数据库已就绪 / database ready")


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, help="resident clerk supervisor handler inspector admin")
@click.option("--unit", "unit_code", default=None, help="12-digit unit code")
@click.option("--password", default=None, help="omit to generate one")
@click.option("--name", "display_name", default="")
@_connected
def create_user_cmd(username, role, unit_code, password, display_name):
    """Create a user; prints the password when it was generated."""
    from portal.accounts.services import create_user
    from portal.core.errors import ValidationError
    try:
        user, pw = create_user(username, role, unit_code, password, display_name)
    except ValidationError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}")
    click.echo(f"created {user.username} ({user.role})")
    if password is None:
        click.echo(f"password: {pw}")


@click.command("create-token")
@click.argument("username")
@click.option("--label", default="cli")
@_connected
def create_token_cmd(username, label):
    """Issue an API bearer token for USERNAME; the token is the last line printed."""
    from portal.accounts.models import User
    from portal.accounts.services import create_token
    user = User.get_or_none(User.username == username)
    if user is None:
        raise click.ClickException(f"no such user: {username}")
    click.echo(create_token(user, label))


@click.command("seed-demo")
@_connected
def seed_demo():
    """Load the demo county into an empty database."""
    from portal.demo import DEMO_PASSWORD, load_demo
    if load_demo():
        click.echo(f"demo county loaded; demo password: {DEMO_PASSWORD}")
    else:
        click.echo("database already has units; demo not loaded")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
def backup(target):
    """Write a consistent online snapshot of the SQLite database to TARGET."""
    db = database.obj
    if not isinstance(db, peewee.SqliteDatabase):
        raise click.ClickException("backup works on the SQLite database; use pg_dump for PostgreSQL")
    target = Path(target)
    if target.exists():
        raise click.ClickException(f"{target} exists; refusing to overwrite")
    src = sqlite3.connect(db.database)
    dst = sqlite3.connect(str(target))
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()
    click.echo(f"backup written to {target}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="replace the current database without asking")
def restore(source, yes):
    """Replace the SQLite database with the snapshot SOURCE, then rebuild the search index.

    Stop the portal first: a running server would keep serving what it cached.
    The snapshot is checked (SQLite integrity, an audit log present) before
    anything is replaced, and copied with SQLite's backup API so the database
    is never half written. The index is a projection and is rebuilt from the
    restored rows; run ``python -m audit verify --db …`` afterwards.
    """
    db = database.obj
    if not isinstance(db, peewee.SqliteDatabase):
        raise click.ClickException("restore works on the SQLite database; use pg_restore for PostgreSQL")
    src = sqlite3.connect(f"file:{Path(source).resolve()}?mode=ro", uri=True)
    try:
        try:
            integrity = src.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise click.ClickException(f"{source} is not a SQLite database: {exc}")
        if integrity != "ok":
            raise click.ClickException(f"{source} fails SQLite's integrity check: {integrity}")
        if "audit_entry" not in tables or "schema_migration" not in tables:
            raise click.ClickException(f"{source} is not a portal backup (no audit log or schema table)")
        if not yes:
            click.confirm(f"replace {db.database} with {source}?", abort=True)
        dst = sqlite3.connect(db.database)
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    click.echo(f"database restored from {source}")
    service = current_app.extensions.get("search")
    if service is not None:
        with connection():
            click.echo(f"search index rebuilt: {service.rebuild()} documents")


@click.command("redact-personal-data")
@click.option("--dry-run", is_flag=True, help="only list what would be re-masked; write nothing")
@_connected
def redact_personal_data(dry_run):
    """Re-mask stored public text an older detector let through, and withhold the audit entries holding it.

    One transaction per record: its rows masked again, and a redaction entry naming
    its older entries and their fields (never the text); those entries are then served
    with ``leaf`` null and ``redacted`` true. Safe to repeat: a second run writes
    nothing. See docs/audit.md, "Redaction".
    """
    from portal.core import redaction, registry
    if dry_run:
        for remasker in registry.of().remaskers:
            for record_id in remasker.candidates():
                click.echo(f"would re-mask {remasker.object_type} {record_id}")
        for (object_type, object_id), indexes in redaction.leftover_objects(redaction.entry_types()):
            click.echo(f"would withhold {object_type} {object_id}: entries {', '.join(map(str, indexes))}")
        return
    report = redaction.redact_all()
    for object_type, object_id, index, fields, entries in report.records:
        click.echo(f"redacted {object_type} {object_id}: entry #{index}; fields {', '.join(fields) or '-'}; "
                   f"withheld entries {', '.join(map(str, entries)) or '-'}")
    for object_type, object_id, why in report.skipped:
        click.echo(f"NOT redacted {object_type} {object_id}: {why}")
    click.echo(f"{report.written} records redacted, {len(report.skipped)} left")
    if report.skipped:
        raise SystemExit(1)


def init_app(app):
    for cmd in (init_db, create_user_cmd, create_token_cmd, seed_demo, backup, restore, redact_personal_data):
        app.cli.add_command(cmd)
