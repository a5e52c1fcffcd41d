"""Redacting what the old detector let through (issue 11): records written as the old code wrote
them are re-masked, their older audit entries withheld, and the log still verifies — locally
and remotely — while any other change is still caught. Twice is the same as once."""
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from audit import verify
from audit.models import AuditEntry, AuditRedaction
from audit.verify import VerifyError
from portal.core import redaction
from portal.publications.models import Attachment, Objection, Publication
from tests.conftest import ROOT, LiveServer
from tests.publications.old_detector import MISTYPED, SECRETS, write_records


def assert_clean(text, where=""):
    for secret in SECRETS:
        assert secret not in text, f"{secret} in {where}"


def stored_text():
    """Every stored public text and every stored payload, joined."""
    parts = [p.title_masked + p.body_masked + p.correction_note + p.withdraw_reason for p in Publication.select()]
    parts += [a.filename for a in Attachment.select()]
    parts += [o.text_masked + o.answer + o.moderation_note for o in Objection.select()]
    return "\n".join(parts)


@pytest.fixture
def old_records(app, people):
    app.config["AUDIT_CHECKPOINT_INTERVAL"] = 0
    ids = write_records()
    assert MISTYPED in stored_text()  # the old detector really let it through
    return ids


def test_redaction_remasks_rows_and_withholds_entries(app, client, old_records):
    from portal.auditlog.services import current_checkpoint
    current_checkpoint()
    verify.verify_database(progress=False)  # the old data verifies as it is
    before = AuditEntry.select().count()
    report = redaction.redact_all()
    assert not report.skipped, report.skipped
    redacted = {(t, i) for t, i, *_ in report.records}
    assert {("publication", str(old_records[k])) for k in ("publication", "correction", "withdrawn")} <= redacted
    assert_clean(stored_text(), "stored public text")
    assert AuditEntry.select().count() == before + len(report.records)
    # every entry whose payload still holds the number is withheld
    holding = [e.idx for e in AuditEntry.select() if any(s in e.payload for s in SECRETS)]
    assert holding and set(holding) <= {r.idx for r in AuditRedaction.select()}
    # a redaction entry names fields and entries, never the text
    for entry in AuditEntry.select().where(AuditEntry.action.endswith(".redaction")):
        assert_clean(entry.payload, "redaction payload")
        assert json.loads(entry.payload)["redacts"]
    current_checkpoint()
    assert verify.verify_database(progress=False) == AuditEntry.select().count()

    # twice is once: nothing written
    size = AuditEntry.select().count()
    assert redaction.redact_all().written == 0
    assert AuditEntry.select().count() == size

    for entry in client.get(f"/api/v1/audit/entries?start=0&limit=1000").get_json()["entries"]:
        if entry["index"] in holding:
            assert entry["leaf"] is None and entry["redacted"] is True and "redacted_by" in entry


def test_tampered_row_is_still_caught(app, old_records):
    redaction.redact_all()
    pub = Publication.get_by_id(old_records["publication"])
    # a change that is not masking: caught at the version's publication entry
    Publication.update(body_masked=pub.body_masked + " 改").where(Publication.id == pub.id).execute()
    with pytest.raises(VerifyError) as exc:
        verify.verify_database(progress=False)
    assert exc.value.index == pub.audit_index and "re-masking" in exc.value.message
    # the stored payload of a withheld entry edited: caught at that entry
    Publication.update(body_masked=pub.body_masked).where(Publication.id == pub.id).execute()
    verify.verify_database(progress=False)
    withdrawn = Publication.get_by_id(old_records["withdrawn"])
    Publication.update(withdraw_reason="另一个理由").where(Publication.id == withdrawn.id).execute()
    with pytest.raises(VerifyError) as exc:
        verify.verify_database(progress=False)
    assert exc.value.index == withdrawn.withdraw_audit_index


def test_redaction_must_stay_withheld_and_name_earlier_entries(app, old_records):
    redaction.redact_all()
    first = AuditRedaction.select().order_by(AuditRedaction.idx).first()
    AuditRedaction.delete().where(AuditRedaction.idx == first.idx).execute()
    with pytest.raises(VerifyError) as exc:
        verify.verify_database(progress=False)
    assert exc.value.index == first.idx and "still served" in exc.value.message
