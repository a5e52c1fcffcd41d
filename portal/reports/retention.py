"""Retention: a closed report is kept for the county's period, inspectors are warned, then it is erased.

Erasing deletes the ciphertext, every wrapped key, the attachments and messages
(and, on SQLite, with ``secure_delete`` on and the WAL checkpointed, so the freed
pages are zeroed rather than left readable in the file). What remains is the
audit log: hashes of ciphertext that can no longer be opened, and who opened
what, when.
"""
import datetime

from portal.core.auditing import record
from portal.core.clock import today
from portal.core.db import database, is_postgres, transaction
from portal.reports.models import IdentityReveal, Report, ReportAttachment, ReportKeyWrap, ReportMessage
from portal.reports.filing import settings


def configure(days=None, warn_days=None):
    """Set the county's retention period (days after closing) and how long before deletion to warn."""
    conf = settings()
    with transaction():
        if days is not None:
            conf.retention_days = days
        if warn_days is not None:
            conf.warn_days = warn_days
        conf.save()
        record(None, "report.retention", "report_settings", 1,
               {"retention_days": conf.retention_days, "warn_days": conf.warn_days})
    return conf


def due_for_warning(on=None):
    conf = settings()
    day = on or today()
    return list(Report.select().where(Report.expires_on.is_null(False) & ~Report.warned
                                      & (Report.expires_on <= day + datetime.timedelta(days=conf.warn_days))))


def warn(on=None):
    """Mark reports nearing deletion (the inbox shows the date); one audit entry per report."""
    rows = due_for_warning(on)
    with transaction():
        for report in rows:
            Report.update(warned=True).where(Report.id == report.id).execute()
            record(None, "report.expiry_warning", "report", report.id,
                   {"report": report.id, "expires_on": report.expires_on.isoformat()})
    return rows


def purge(on=None):
    """Erase every report whose retention has run out; returns their ids."""
    day = on or today()
    ids = [r.id for r in Report.select(Report.id).where(Report.expires_on.is_null(False)
                                                        & (Report.expires_on <= day))]
    if not ids:
        return []
    if not is_postgres():
        database.execute_sql("PRAGMA secure_delete = ON")
    with transaction(lock=True):
        for model in (ReportKeyWrap, ReportAttachment, ReportMessage, IdentityReveal):
            model.delete().where(model.report.in_(ids)).execute()
        Report.delete().where(Report.id.in_(ids)).execute()
        for report_id in ids:
            record(None, "report.erase", "report", report_id, {"report": report_id})
    if not is_postgres():
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return ids
