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
from portal.meetings.models import AgendaItem, Meeting, MeetingItem, Question
from portal.publications.models import Attachment, Objection, Publication
from tests.conftest import ROOT, LiveServer
from tests.publications.old_detector import MISTYPED, OLD15, SECRETS, write_records


def assert_clean(text, where=""):
    for secret in SECRETS:
        assert secret not in text, f"{secret} in {where}"


def stored_text():
    """Every stored public text and every stored payload, joined."""
    parts = [p.title_masked + p.body_masked + p.correction_note + p.withdraw_reason for p in Publication.select()]
    parts += [a.filename for a in Attachment.select()]
    parts += [o.text_masked + o.answer + o.moderation_note for o in Objection.select()]
    parts += [m.title + m.place for m in Meeting.select()] + [a.title for a in AgendaItem.select()]
    parts += [json.dumps(i.data, ensure_ascii=False) for i in MeetingItem.select()] + [q.text for q in Question.select()]
    return "\n".join(parts)


@pytest.fixture
def old_records(app, people):
    app.config["AUDIT_CHECKPOINT_INTERVAL"] = 0
    ids = write_records()
    assert MISTYPED in stored_text()  # the old detector really let it through
    assert OLD15 in json.dumps([i.data for i in MeetingItem.select()], ensure_ascii=False)
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
    assert ("meeting", str(old_records["meeting"])) in redacted
    assert ("publication", str(old_records["meeting_publication"])) in redacted  # the archive's record
    assert_clean(stored_text(), "stored public text")
    assert AuditEntry.select().count() == before + len(report.records)
    # every entry whose payload still holds the number is withheld
    holding = [e.idx for e in AuditEntry.select() if any(s in e.payload for s in SECRETS)]
    assert holding and set(holding) <= {r.idx for r in AuditRedaction.select()}
    # only masked public text is withheld: a village's contact phone is public on purpose
    withheld_types = {e.object_type for e in AuditEntry.select().join(
        AuditRedaction, on=(AuditRedaction.idx == AuditEntry.idx))}
    assert withheld_types <= {"publication", "objection", "publication_step", "meeting", "meeting_item"}, \
        withheld_types
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


def test_tampered_meeting_is_still_caught(app, old_records):
    redaction.redact_all()
    verify.verify_database(progress=False)
    item = (MeetingItem.select().where((MeetingItem.meeting == old_records["meeting"]) & (MeetingItem.kind == "transcript"))
            .get())
    MeetingItem.update(data=dict(item.data, text=item.data["text"] + "（改）")).where(MeetingItem.id == item.id).execute()
    with pytest.raises(VerifyError) as exc:
        verify.verify_database(progress=False)
    assert exc.value.index == item.audit_index  # the item's own entry names it, before the archive
    MeetingItem.update(data=item.data).where(MeetingItem.id == item.id).execute()
    meeting = Meeting.get_by_id(old_records["meeting"])
    Meeting.update(place="别处").where(Meeting.id == meeting.id).execute()  # a field the redaction did not name
    with pytest.raises(VerifyError) as exc:
        verify.verify_database(progress=False)
    assert exc.value.index == meeting.archive_audit_index


def test_redaction_must_stay_withheld_and_name_earlier_entries(app, old_records):
    redaction.redact_all()
    first = AuditRedaction.select().order_by(AuditRedaction.idx).first()
    AuditRedaction.delete().where(AuditRedaction.idx == first.idx).execute()
    with pytest.raises(VerifyError) as exc:
        verify.verify_database(progress=False)
    assert exc.value.index == first.idx and "still served" in exc.value.message
    AuditRedaction.delete().execute()  # every withholding gone: the redaction entries themselves say so
    with pytest.raises(VerifyError) as exc:
        verify.verify_database(progress=False)
    first_redaction = AuditEntry.select().where(AuditEntry.action.endswith(".redaction")).order_by(AuditEntry.idx).first()
    assert exc.value.index <= first_redaction.idx


# -- end to end: a real server, the command, real clients --------------------------------------

VILLAGE = "350528100200"


@pytest.fixture(scope="module")
def old_server(tmp_path_factory):
    """A real server on the demo county plus records the old code wrote (written while it was stopped)."""
    server = LiveServer(tmp_path_factory.mktemp("redact") / "instance")
    server.start()
    server.stop()
    old = subprocess.run([sys.executable, "-m", "tests.publications.old_detector", str(server.instance)],
                         cwd=str(ROOT), env=server.env, capture_output=True, text=True, timeout=300)
    assert old.returncode == 0, old.stderr[-3000:]
    server.ids = json.loads(old.stdout.strip().splitlines()[-1])
    server.start()
    yield server
    server.stop()


def _caught_up(server, timeout=60):
    deadline = time.time() + timeout
    while requests.get(server.url + "/readyz", timeout=10).status_code != 200 and time.time() < deadline:
        time.sleep(0.2)


def _all_entries(base):
    out, start = [], 0
    while True:
        page = requests.get(f"{base}/api/v1/audit/entries", params={"start": start, "limit": 1000}, timeout=30).json()
        out += page["entries"]
        if len(out) >= page["size"] or not page["entries"]:
            return out
        start = out[-1]["index"] + 1


def _export_text(base):
    import io
    import zipfile
    deadline = time.time() + 120
    while time.time() < deadline:
        r = requests.get(f"{base}/api/v1/export/{VILLAGE}.zip", timeout=60)
        if r.status_code == 200:
            with zipfile.ZipFile(io.BytesIO(r.content)) as z:
                return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        time.sleep(0.5)
    raise AssertionError("export never became ready")


def _verify(*args):
    return subprocess.run([sys.executable, "-m", "audit", "verify", "--quiet", *args], cwd=str(ROOT),
                          capture_output=True, text=True, timeout=300)


def _public_urls(server):
    ids = server.ids
    urls = [f"/v/{VILLAGE}/publications", f"/v/{VILLAGE}", f"/feeds/{VILLAGE}.atom", f"/feeds/{VILLAGE}/result.atom",
            f"/api/v1/publications?village={VILLAGE}", "/audit", "/search?q=低保对象评议结果公示",
            "/api/v1/search?q=低保对象评议结果公示"]
    m = ids["meeting"]
    urls += [f"/v/{VILLAGE}/meetings", f"/meetings/{m}", f"/meetings/{m}/replay", f"/api/v1/meetings/{m}",
             f"/api/v1/meetings/{m}/items", f"/api/v1/meetings?village={VILLAGE}", "/search?q=低保评议议事会"]
    for key in ("publication", "correction", "withdrawn", "meeting_publication"):
        urls += [f"/p/{ids[key]}", f"/p/{ids[key]}/print", f"/api/v1/publications/{ids[key]}",
                 f"/api/v1/publications/{ids[key]}/objections"]
    return urls


def test_every_public_surface_is_free_of_the_number(old_server, phone):
    base, ids = old_server.url, old_server.ids
    _caught_up(old_server)
    before = requests.get(f"{base}/p/{ids['publication']}", timeout=30).text
    assert MISTYPED in before  # the gap this closes: the old record shows the number
    assert OLD15 in requests.get(f"{base}/meetings/{ids['meeting']}/replay", timeout=30).text

    size = requests.get(f"{base}/api/v1/audit/entries?start=0&limit=1", timeout=30).json()["size"]
    dry = old_server.cli("redact-personal-data", "--dry-run")
    assert dry.returncode == 0 and f"would re-mask publication {ids['publication']}" in dry.stdout, dry.stdout
    assert requests.get(f"{base}/api/v1/audit/entries?start=0&limit=1", timeout=30).json()["size"] == size

    done = old_server.cli("redact-personal-data")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"redacted publication {ids['publication']}" in done.stdout
    _caught_up(old_server)

    for url in _public_urls(old_server):
        r = requests.get(base + url, timeout=30)
        assert r.status_code == 200, url
        assert_clean(r.text, url)
    # the record is searchable again (the search gate no longer refuses it), masked
    found = requests.get(f"{base}/api/v1/search", params={"q": "低保对象评议结果公示"}, timeout=30).json()
    assert any(str(ids["correction"]) == str(hit.get("id")) or f"/p/{ids['correction']}" in json.dumps(hit)
               for hit in found.get("results", found.get("hits", []))), found
    assert_clean(_export_text(base), "open-data export")

    # the audit log: every entry page and the API; the entries that held it are withheld
    entries = _all_entries(base)
    withheld = [e for e in entries if e.get("redacted_by") is not None]
    assert withheld and all(e["leaf"] is None and e["redacted"] for e in withheld)
    assert {e["object_type"] for e in withheld} <= {"publication", "objection", "publication_step", "meeting",
                                                    "meeting_item"}
    first_old = min(e["index"] for e in withheld)
    for e in entries[first_old:]:
        page = requests.get(f"{base}/audit/entry/{e['index']}", timeout=30)
        assert page.status_code == 200
        assert_clean(page.text, f"/audit/entry/{e['index']}")
        if e["leaf"] is not None:
            import base64
            assert_clean(base64.b64decode(e["leaf"]).decode("utf-8"), f"leaf {e['index']}")
    redactions = [e for e in entries if e["action"].endswith(".redaction")]
    assert {e["object_id"] for e in redactions} >= {str(ids[k]) for k in ("publication", "correction", "withdrawn")}

    # the resident's own check in the browser: the withheld publication entry is in the signed log
    phone.goto(f"{base}/p/{ids['publication']}")
    phone.click(".audit-proof .audit-verify >> nth=0")
    phone.wait_for_selector(".audit-result.audit-ok", timeout=20000)
    assert "不予公开" in phone.inner_text(".audit-result.audit-ok >> nth=0")
    shots = Path("/work/notes/shots/remask")
    if shots.parent.exists():
        shots.mkdir(parents=True, exist_ok=True)
        phone.screenshot(path=str(shots / "record-proof-withheld.png"), full_page=True)
        phone.goto(f"{base}/audit/entry/{first_old}")
        phone.click("#tech-details summary")
        phone.screenshot(path=str(shots / "audit-entry-withheld.png"), full_page=True)
        phone.goto(f"{base}/audit/entry/{redactions[0]['index']}")
        phone.screenshot(path=str(shots / "audit-entry-redaction.png"), full_page=True)

    # remote and local verification pass
    remote = _verify("--url", base)
    assert remote.returncode == 0, remote.stderr
    db_url = "sqlite:///" + str(next(old_server.instance.glob("*.db")))
    local = _verify("--db", db_url)
    assert local.returncode == 0, local.stderr

    # a second run writes nothing
    size = requests.get(f"{base}/api/v1/audit/entries?start=0&limit=1", timeout=30).json()["size"]
    again = old_server.cli("redact-personal-data")
    assert again.returncode == 0 and "0 records redacted" in again.stdout, again.stdout
    assert requests.get(f"{base}/api/v1/audit/entries?start=0&limit=1", timeout=30).json()["size"] == size

    # a tampered row is still caught, at its version's publication entry
    db_path = next(old_server.instance.glob("*.db"))
    with sqlite3.connect(db_path) as conn:
        index = conn.execute("SELECT audit_index FROM publication WHERE id = ?", (ids["publication"],)).fetchone()[0]
        conn.execute("UPDATE publication SET body_masked = body_masked || '（已改）' WHERE id = ?", (ids["publication"],))
    tampered = _verify("--db", db_url)
    assert tampered.returncode == 1 and f"FAIL index {index}:" in tampered.stderr, tampered.stderr


def test_second_wave_rows_stay_raw_and_only_entries_are_withheld(app, client, people):
    """An appeal keeps its text as filed and masks its payload: written under the old detector, the
    payload holds the number and today's re-derivation no longer matches it. The redaction withholds
    the entry and verify accepts the masked re-derivation; the row is untouched."""
    from portal.appeals import services as appeals
    from portal.appeals.models import Appeal
    from tests.publications.old_detector import old_detector
    app.config["AUDIT_CHECKPOINT_INTERVAL"] = 0
    with old_detector():
        row, _receipt, _ = appeals.file_appeal(VILLAGE, "roads", f"村道有坑，我的身份证 {MISTYPED} 可以作证")
    entry = AuditEntry.get_by_id(Appeal.get_by_id(row.id).audit_index)
    assert MISTYPED in entry.payload
    with pytest.raises(VerifyError) as exc:
        verify.verify_database(progress=False)  # old data no longer verifies under today's detector
    assert exc.value.index == entry.idx
    report = redaction.redact_all()
    assert ("appeal", str(row.id)) in {(t, i) for t, i, *_ in report.records}
    assert AuditRedaction.get_or_none(AuditRedaction.idx == entry.idx) is not None
    assert MISTYPED in Appeal.get_by_id(row.id).text  # the row keeps what was filed (never public)
    verify.verify_database(progress=False)
    served = client.get(f"/api/v1/audit/entries?start={entry.idx}&limit=1").get_json()["entries"][0]
    assert served["leaf"] is None and served["redacted_by"] is not None
    assert_clean(client.get(f"/appeals/{row.id}").get_data(as_text=True), "appeal page")
    assert redaction.redact_all().written == 0
