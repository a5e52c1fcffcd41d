"""The portal's side of the audit log (library in ``audit/``).

Services call ``record(...)`` inside their ``transaction()`` so a change and
its entry commit together; domains declare ``audit_sources`` in their
descriptor so ``python -m audit verify`` can re-derive each payload from
today's rows and catch an edited published record.
"""
import peewee

from audit import db as audit_db
from audit import sources as audit_sources
from portal.core.auditing import record  # noqa: F401  (domains write entries through it)
from portal.core.db import database




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


def _follow(obj):
    if obj is not None and not isinstance(obj, peewee.Proxy):
        audit_db.database.initialize(obj)


# The audit library's models follow the portal's database proxy wherever it is bound.
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
