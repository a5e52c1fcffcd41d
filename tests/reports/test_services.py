"""Reports' services on the demo county: who can decrypt, receipts, bad input, grants, two-person rule, retention."""
import datetime

import pytest

from portal.accounts.models import User
from portal.accounts.services import create_user
from portal.core.errors import PortalError
from portal.reports import filing, inspection, keys, retention
from portal.reports.models import (IdentityReveal, Report, ReportAttachment, ReportKeyWrap, ReportMessage,
                                   ReceiptThrottle)
from tests.reports.conftest import PASS, pdf_with

HOUXI = "350528100200"


def user(name):
    return User.get(User.username == name)


def code_of(exc_info):
    return exc_info.value.code


def counts():
    return [m.select().count() for m in (Report, ReportAttachment, ReportKeyWrap, ReportMessage)]


def test_wraps_go_to_the_inspectors_in_scope_only(demo):
    filing.file_report(HOUXI, "村主任虚报冒领 MARKER-S1", {"name": "张三"})
    report = Report.select().order_by(Report.id.desc()).first()
    holders = {w.holder.username if w.holder else None for w in report.wraps}
    assert holders == {None, "inspector_100", "inspector_county"}  # the reporter, the township, the county
    own = inspection.open_report(user("inspector_100"), report.id, keys.unlock(user("inspector_100"), PASS))
    assert own["text"] == "村主任虚报冒领 MARKER-S1"
    outside = user("inspector_001")  # 东湖街道: not this village
    with pytest.raises(PortalError) as refused:
        inspection.open_report(outside, report.id, keys.unlock(outside, PASS))
    assert code_of(refused) == "not_found"
    with pytest.raises(PortalError) as refused:  # an admin has no key and no permission
        inspection.inbox(user("admin"))
    assert code_of(refused) == "not_allowed"
    with pytest.raises(PortalError) as refused:
        keys.unlock(user("inspector_100"), PASS + "x")
    assert code_of(refused) == "wrong_passphrase"
    with pytest.raises(PortalError) as refused:  # another inspector's key does not open this report's wrap
        inspection.open_report(user("inspector_100"), report.id, keys.unlock(user("inspector_county"), PASS))
    assert code_of(refused) == "locked"
    with pytest.raises(PortalError) as refused:
        inspection.open_report(user("inspector_100"), report.id, None)
    assert code_of(refused) == "locked"


@pytest.mark.parametrize("unit, text, files, code", [
    (HOUXI, "", [], "missing_text"),
    (HOUXI, "   ", [], "missing_text"),
    ("999999999999", "有问题", [], "bad_unit"),
    (HOUXI, "有问题", [("a.pdf", pdf_with("x"))] * 4, "too_many_files"),
    (HOUXI, "有问题", [("a.txt", b"plain text, not a document")], "bad_file_type"),
    (HOUXI, "有问题", [("a.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024 + 1))], "file_too_large"),
    (HOUXI, "有问题", [("a.png", pdf_with("x"))], "disguised_file"),
    (HOUXI, "有问题", [(f"{n}.pdf", b"%PDF-" + b"0" * (7 * 1024 * 1024)) for n in range(3)], "files_too_large"),
])
def test_bad_filings_write_nothing(demo, unit, text, files, code):
    before = counts()
    with pytest.raises(PortalError) as refused:
        filing.file_report(unit, text, None, files)
    assert code_of(refused) == code and "\u4e00" <= refused.value.message[0] <= "\u9fff"
    assert counts() == before


def test_receipt_format_is_checked_before_anything(demo):
    for bad in ("123", "1234-5678-1234-567x", "1" * 17, "１２３４５６７８１２３４５６７８", None, 12345678):
        with pytest.raises(PortalError) as refused:
            filing.unlock_by_receipt(bad)
        assert code_of(refused) == "bad_receipt"
    assert ReceiptThrottle.select().where(ReceiptThrottle.key != "filed").count() == 0


def test_two_reports_never_share_a_receipt(demo, monkeypatch):
    first = filing.file_report(HOUXI, "第一件")
    drawn = iter([first, first, "1111222233334444"])
    monkeypatch.setattr(filing, "new_receipt", lambda: next(drawn))
    second = filing.file_report(HOUXI, "第二件")
    assert second == "1111222233334444" != first
    assert filing.unlock_by_receipt(first)[0].id != filing.unlock_by_receipt(second)[0].id
    monkeypatch.undo()
    receipts = {filing.file_report(HOUXI, f"第{i}件") for i in range(15)}
    assert len(receipts) == 15 and all(len(r) == 16 and r.isdigit() for r in receipts)


def test_wrong_receipts_are_stopped_per_prefix_and_in_total(demo, monkeypatch):
    right = filing.file_report(HOUXI, "要查的举报")
    prefix = right[:4]
    wrong = [prefix + f"{n:012d}" for n in range(filing.PREFIX_LIMIT)]
    for guess in wrong:
        with pytest.raises(PortalError) as refused:
            filing.unlock_by_receipt(guess)
        assert code_of(refused) == "wrong_receipt"
    with pytest.raises(PortalError) as refused:  # the prefix is now closed for the hour, even to the right one
        filing.unlock_by_receipt(right)
    assert code_of(refused) == "too_many_attempts" and refused.value.status == 429
    other = "9" + right[1:] if right[0] != "9" else "8" + right[1:]
    with pytest.raises(PortalError) as refused:
        filing.unlock_by_receipt(other)
    assert code_of(refused) == "wrong_receipt"  # other prefixes still answer
    monkeypatch.setattr(filing, "GLOBAL_LIMIT", filing.PREFIX_LIMIT + 1)  # the total: one more wrong and all stop
    with pytest.raises(PortalError) as refused:
        filing.unlock_by_receipt("0000" + right[4:] if prefix != "0000" else "0001" + right[4:])
    assert code_of(refused) == "too_many_attempts"


def test_a_later_inspector_reads_only_after_a_grant_and_both_are_audited(demo):
    from audit.models import AuditEntry
    filing.file_report(HOUXI, "旧举报 MARKER-GRANT")
    report = Report.select().order_by(Report.id.desc()).first()
    newcomer, _pw = create_user("inspector_new", "inspector", "350528100000", "password-123", "新来的纪委")
    keys.set_passphrase(newcomer, "newcomer-passphrase")
    mine = keys.unlock(newcomer, "newcomer-passphrase")
    with pytest.raises(PortalError) as refused:
        inspection.open_report(newcomer, report.id, mine)
    assert code_of(refused) == "no_access"
    old = user("inspector_100")
    inspection.grant(old, report.id, "inspector_new", keys.unlock(old, PASS))
    assert inspection.open_report(newcomer, report.id, mine)["text"] == "旧举报 MARKER-GRANT"
    inspection.revoke(old, report.id, "inspector_new")
    with pytest.raises(PortalError):
        inspection.open_report(newcomer, report.id, mine)
    actions = [e.action for e in AuditEntry.select().where((AuditEntry.object_type == "report")
                                                           & (AuditEntry.object_id == str(report.id)))]
    assert {"report.grant", "report.revoke", "report.open"} <= set(actions)
    assert all("MARKER" not in e.payload for e in AuditEntry.select())


def test_identity_needs_a_second_inspector(demo):
    filing.file_report(HOUXI, "有身份的举报", {"name": "李四 MARKER-ID", "contact": "13900000000"})
    report = Report.select().order_by(Report.id.desc()).first()
    town, county = user("inspector_100"), user("inspector_county")
    town_key, county_key = keys.unlock(town, PASS), keys.unlock(county, PASS)
    with pytest.raises(PortalError) as refused:
        inspection.view_identity(town, report.id, town_key)
    assert code_of(refused) == "needs_approval"
    ask = inspection.request_identity(town, report.id, "需要核实情况", town_key)
    with pytest.raises(PortalError) as refused:
        inspection.approve_identity(town, report.id, ask.id, town_key)
    assert code_of(refused) == "same_person"
    inspection.approve_identity(county, report.id, ask.id, county_key)
    assert inspection.view_identity(town, report.id, town_key)["name"] == "李四 MARKER-ID"
    with pytest.raises(PortalError):  # approval was for the requester only
        inspection.view_identity(county, report.id, county_key)
    # the report key alone never opens the identity: it is sealed to a key pair of its own,
    # and what an inspector holds of that key is one share, useless alone
    from portal.reports import crypto
    report_private = inspection.report_key(town, report, town_key)
    own_share = inspection.report_key(town, report, town_key, "identity")
    for key in (report_private, own_share[:32], own_share[-32:]):
        with pytest.raises(crypto.DecryptionFailed):
            crypto.unseal(key, report.identity, "identity")
    with pytest.raises(ValueError):
        from portal.reports import shamir
        shamir.combine(own_share, own_share)


def test_reporters_acts_keep_only_the_hour_and_are_sealed_in_a_batch(demo):
    from audit.models import AuditEntry
    receipt = filing.file_report(HOUXI, "整点")
    filing.add_material(receipt, "补充一句")
    report = Report.select().order_by(Report.id.desc()).first()
    assert report.audit_index is None  # not yet: the hour is not over
    assert filing.seal_pending() == 0
    assert filing.seal_pending(everything=True) == 2
    report = Report.get_by_id(report.id)
    entry = AuditEntry.get(AuditEntry.idx == report.audit_index)
    assert entry.created_at.minute == entry.created_at.second == 0
    assert b':00:00.000000Z"' in bytes(entry.entry)
    assert report.filed_hour.minute == 0 and all(m.hour.minute == 0 for m in report.messages)
    assert entry.payload == '{"ciphertext_sha256":"%s"}' % report.content_sha256


def test_retention_warns_then_erases_every_trace_but_the_log(demo):
    receipt = filing.file_report(HOUXI, "要删除的 MARKER-ERASE", {"name": "王五"}, [("证据.pdf", pdf_with("MARKER-ERASE"))])
    report = Report.select().order_by(Report.id.desc()).first()
    town = user("inspector_100")
    inspection.close(town, report.id, "查无实据", keys.unlock(town, PASS), retention_days=730)
    report = Report.get_by_id(report.id)
    assert report.expires_on is not None
    ciphertext = bytes(report.content)[40:80]  # a stretch of the stored ciphertext
    assert retention.warn(report.expires_on - datetime.timedelta(days=40)) == []
    assert [r.id for r in retention.warn(report.expires_on - datetime.timedelta(days=10))] == [report.id]
    assert retention.purge(report.expires_on - datetime.timedelta(days=1)) == []
    assert retention.purge(report.expires_on) == [report.id]
    for model in (ReportKeyWrap, ReportAttachment, ReportMessage, IdentityReveal):
        assert model.select().where(model.report == report.id).count() == 0
    assert Report.get_or_none(Report.id == report.id) is None
    from pathlib import Path
    from portal.core.db import database
    db_file = Path(database.obj.database)
    for path in (db_file, Path(str(db_file) + "-wal")):  # secure_delete zeroed the freed pages
        assert not path.exists() or ciphertext not in path.read_bytes(), path
    with pytest.raises(PortalError) as refused:
        filing.unlock_by_receipt(receipt)
    assert code_of(refused) == "wrong_receipt"


def test_downloading_an_attachment_is_an_audited_export_without_content(demo):
    from audit.models import AuditEntry
    filing.file_report(HOUXI, "附件举报", None, [("票据.pdf", pdf_with("MARKER-EXPORT"))])
    report = Report.select().order_by(Report.id.desc()).first()
    town = user("inspector_100")
    name, mime, data = inspection.attachment(town, report.id, 0, keys.unlock(town, PASS))
    assert (name, mime, data) == ("票据.pdf", "application/pdf", pdf_with("MARKER-EXPORT"))
    entry = AuditEntry.select().order_by(AuditEntry.idx.desc()).first()
    assert entry.action == "report.export" and entry.object_id == str(report.id)
    assert "MARKER" not in entry.payload and "票据" not in entry.payload
    with pytest.raises(PortalError) as refused:
        inspection.attachment(town, report.id, 1, keys.unlock(town, PASS))
    assert code_of(refused) == "not_found"


def test_a_photo_loses_its_exif_location_before_it_is_sealed(demo):
    import io
    from PIL import Image
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "MARKERCAMERA"  # Make
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    assert b"MARKERCAMERA" in buf.getvalue()
    filing.file_report(HOUXI, "照片举报", None, [("photo.jpg", buf.getvalue())])
    report = Report.select().order_by(Report.id.desc()).first()
    town = user("inspector_100")
    _name, mime, data = inspection.attachment(town, report.id, 0, keys.unlock(town, PASS))
    assert mime == "image/jpeg" and b"MARKERCAMERA" not in data and Image.open(io.BytesIO(data)).size == (40, 30)


def test_a_region_without_any_inspector_key_refuses_rather_than_store_unreadable(demo):
    from portal.reports.models import InspectorKey
    InspectorKey.delete().execute()
    before = counts()
    with pytest.raises(PortalError) as refused:
        filing.file_report(HOUXI, "没人能看")
    assert code_of(refused) == "no_recipient" and counts() == before


def test_the_retention_period_is_set_per_county_and_audited(demo):
    from audit.models import AuditEntry
    conf = retention.configure(365, 14)
    assert (conf.retention_days, conf.warn_days) == (365, 14) and filing.settings().retention_days == 365
    assert AuditEntry.select().order_by(AuditEntry.idx.desc()).first().action == "report.retention"


def test_filings_are_bounded_per_hour(demo):
    from flask import current_app
    current_app.config["REPORTS_MAX_PER_HOUR"] = 2
    ReceiptThrottle.delete().execute()  # the demo's own filings of this hour
    filing.file_report(HOUXI, "第一件")
    filing.file_report(HOUXI, "第二件")
    before = counts()
    with pytest.raises(PortalError) as refused:
        filing.file_report(HOUXI, "第三件")
    assert code_of(refused) == "too_many_attempts" and counts() == before


def test_exporting_the_text_is_audited_and_needs_the_key(demo):
    from audit.models import AuditEntry
    filing.file_report(HOUXI, "导出 MARKER-TXT")
    report = Report.select().order_by(Report.id.desc()).first()
    town = user("inspector_100")
    with pytest.raises(PortalError) as refused:
        inspection.export_text(town, report.id, None)
    assert code_of(refused) == "locked"
    assert "导出 MARKER-TXT" in inspection.export_text(town, report.id, keys.unlock(town, PASS))
    entry = AuditEntry.select().order_by(AuditEntry.idx.desc()).first()
    assert entry.action == "report.export" and "MARKER" not in entry.payload


def test_changing_the_passphrase_keeps_every_report_readable(demo):
    filing.file_report(HOUXI, "村里账目有问题 MARKER-PW")
    report = Report.select().order_by(Report.id.desc()).first()
    inspector = user("inspector_100")
    before = counts()
    for old, new, code in ((PASS + "x", "a-new-passphrase-1", "wrong_passphrase"), (PASS, "short", "bad_passphrase")):
        with pytest.raises(PortalError) as refused:
            keys.change_passphrase(inspector, old, new)
        assert code_of(refused) == code
    assert keys.unlock(inspector, PASS) and counts() == before  # refused changes changed nothing
    keys.change_passphrase(inspector, PASS, "a-new-passphrase-1")
    with pytest.raises(PortalError) as refused:
        keys.unlock(inspector, PASS)
    assert code_of(refused) == "wrong_passphrase"
    opened = inspection.open_report(inspector, report.id, keys.unlock(inspector, "a-new-passphrase-1"))
    assert opened["text"] == "村里账目有问题 MARKER-PW"
    with pytest.raises(PortalError) as refused:  # an inspector without a key has nothing to change
        keys.change_passphrase(user("clerk_houxi"), PASS, "a-new-passphrase-2")
    assert code_of(refused) in ("no_key", "not_inspector")
