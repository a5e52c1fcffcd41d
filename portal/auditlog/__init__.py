"""The portal's side of the audit log (library in ``audit/``).

Services call ``record(...)`` inside their ``with database.atomic():`` so a
change and its entry commit together; domains call ``register_source`` in their
``setup(app)`` so ``python -m audit verify`` can re-derive each payload from
today's rows and catch an edited published record.
"""
import peewee

from audit import db as audit_db
from audit import log as audit_log
from audit import sources as audit_sources
from portal.core.db import database


def _actor_name(actor):
    """Entries name people by login name; None is the system."""
    if actor is None:
        return None
    return getattr(actor, "username", None) or str(actor)


def record(actor, action, object_type, object_id, payload, files=()):
    """Append the audit entry for a change; returns it (``.index``, ``.leaf_hash`` hex).

    Must run inside the caller's ``database.atomic()``: the entry rolls back with the change.
    """
    entry = audit_log.append(_actor_name(actor), action, object_type, str(object_id), payload, files)
    return entry


def register_source(object_type, fn):
    """``fn(entry) -> dict | None`` re-derives an entry's payload from the rows as they are now."""
    audit_sources.register(object_type, fn)


def entry_at(index):
    """The entry at ``index`` or None (templates: ``audit_entry(index)``)."""
    from audit.models import AuditEntry
    try:
        return AuditEntry.get_or_none(AuditEntry.idx == int(index))
    except (TypeError, ValueError, OverflowError):
        return None


def setup(app):
    """The proof widget's template global; background checkpoints for a serving portal."""
    app.add_template_global(entry_at, "audit_entry")
    from portal.auditlog.commands import rotate_key_cmd
    app.cli.add_command(rotate_key_cmd)
    if not app.testing:
        from portal.auditlog.services import start_checkpointer
        start_checkpointer(app)


def bind(db):
    """Point the audit library at the portal's Database (called by the app factory)."""
    audit_db.database.initialize(db)


def _follow(obj):
    if obj is not None and not isinstance(obj, peewee.Proxy):
        audit_db.database.initialize(obj)


# The schema is created before bind() runs, so follow the portal's proxy from now on.
database.attach_callback(_follow)
_follow(database.obj)


def head_index():
    """The newest entry's index, or None for an empty log (projections compare against it)."""
    from audit.models import AuditEntry
    return AuditEntry.select(peewee.fn.MAX(AuditEntry.idx)).scalar()


def entries_after(index, batch=5000):
    """Entries after ``index`` in order, only (index, object_type, object_id): what a projection
    such as the search index needs to catch up, streamed in batches."""
    from audit.models import AuditEntry
    last = int(index)
    while True:
        rows = list(AuditEntry.select(AuditEntry.idx, AuditEntry.object_type, AuditEntry.object_id)
                    .where(AuditEntry.idx > last).order_by(AuditEntry.idx).limit(batch))
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].idx
