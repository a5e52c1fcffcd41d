"""The reporter's side: file a report, look it up with the receipt, add material.

The only writer of reports for reporters (see ``crypto`` for the scheme). What is
stored for a reporter's act is ciphertext, wrapped keys, the unit concerned and
the hour. Its audit entry (the ciphertext's SHA-256, nothing of the content)
is not written at once: entries written as they come would place the filing
between others with exact times, so ``seal_pending`` appends each finished
hour's filings and additions together, shuffled, stamped with the hour.
"""
import datetime
import json
import os
import random
import secrets

from flask import current_app

from portal.core.auditing import record
from portal.core.db import for_update, transaction
from portal.core.errors import NotFound, PortalError, ValidationError
from portal.core.files import check_file, public_image
from portal.core.i18n import N_
from portal.core.text import clean_text
from portal.reports import crypto, shamir
from portal.reports.keys import inspectors_covering, stretch
from portal.reports.models import (Report, ReportAttachment, ReportKeyWrap, ReportMessage, ReportSettings,
                                   ReceiptThrottle, hour_of)
from portal.units.models import Unit

REPORTER = "匿名举报人"  # the actor of reporters' entries: never anything about the person
MAX_TEXT = 5000
MAX_FILES = 3
PREFIX_LIMIT = 5  # wrong receipts per 4-digit prefix per hour (ReceiptThrottle "p:NNNN")
GLOBAL_LIMIT = 300  # wrong receipts per hour, all prefixes


class TooManyAttempts(PortalError):
    status = 429


def settings():
    """The site's receipt salt and parameters, made on first use."""
    row = ReportSettings.get_or_none(ReportSettings.id == 1)
    if row is None:
        with transaction(lock=True):
            ReportSettings.insert(id=1, site_salt=os.urandom(16), receipt_kdf=json.dumps(crypto.receipt_kdf())
                                  ).on_conflict_ignore().execute()
        row = ReportSettings.get(ReportSettings.id == 1)
    return row


def receipt_secrets(receipt):
    """(lookup id, reporter key) for a receipt of 16 digits: one Argon2id, two HKDF labels."""
    conf = settings()
    stretched = stretch(receipt.encode(), bytes(conf.site_salt), json.loads(conf.receipt_kdf))
    return crypto.hkdf(stretched, "lookup"), crypto.hkdf(stretched, "reporter")


def new_receipt():
    return "".join(secrets.choice("0123456789") for _ in range(16))


def receipt_text(receipt):
    return "-".join(receipt[i:i + 4] for i in range(0, 16, 4))


def normalize_receipt(value):
    """16 digits from what the reporter typed (spaces and dashes allowed), or ``bad_receipt``."""
    digits = "".join(ch for ch in str(value or "") if ch not in " -\u00a0") if isinstance(value, str) else ""
    if len(digits) != 16 or not (digits.isascii() and digits.isdigit()):
        raise ValidationError("bad_receipt", N_("回执码应为16位数字（可写成1234-5678-1234-5678）。"))
    return digits


def find_unit(code):
    unit = Unit.get_or_none(Unit.code == str(code or "")) if isinstance(code, (str, int)) else None
    if unit is None or unit.level not in ("village", "township"):
        raise ValidationError("bad_unit", N_("请选择被举报对象所在的村（社区）或乡镇（街道）。"))
    return unit


def _identity(value):
    """{"name", "contact"} or None; a bare string is taken as the name."""
    if value in (None, "", {}):
        return None
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        raise ValidationError("bad_identity", N_("身份信息格式不正确。"))
    name = clean_text(value.get("name"), "identity_name", "姓名", 50)
    contact = clean_text(value.get("contact"), "identity_contact", "联系方式", 100)
    return {"name": name, "contact": contact} if name or contact else None


def _attachments(files):
    """[(name, mime, bytes)] checked from their bytes; photos re-encoded, which drops EXIF and GPS."""
    files = [f for f in (files or []) if f[1]]
    if len(files) > MAX_FILES:
        raise ValidationError("too_many_files", N_("附件最多3个。"))
    limit = int(current_app.config.get("REPORTS_MAX_FILE_BYTES", 10 * 1024 * 1024))
    total = int(current_app.config.get("REPORTS_MAX_TOTAL_BYTES", 20 * 1024 * 1024))
    if sum(len(data) for _name, data in files) > total:  # as the form says: each ≤ 10 MB, together ≤ 20 MB
        raise ValidationError("files_too_large", N_("附件合计不能超过%(mb)sMB。"), mb=total // (1024 * 1024) or 1)
    out = []
    for filename, data in files:
        name, mime, _thumb = check_file(filename, data, limit=limit)
        if mime.startswith("image/"):
            data, mime = public_image(data, max_side=4096), "image/jpeg"
            name = name.rsplit(".", 1)[0] + ".jpg"
        out.append((name, mime, data))
    return out


def file_report(unit_code, text, identity=None, files=(), campaign=None, receipt=None):
    """File a report; returns the receipt (16 digits), which is shown once and never stored.

    ``receipt`` is for the demo county only (a receipt printed in the README).
    """
    unit = find_unit(unit_code)
    text = clean_text(text, "text", "举报内容", MAX_TEXT, required=True)
    who = _identity(identity)
    attachments = _attachments(files)
    if campaign is not None and (isinstance(campaign, bool) or not isinstance(campaign, int) or campaign < 1):
        raise ValidationError("bad_campaign", N_("专项整治编号必须是正整数。"))
    recipients = inspectors_covering(unit)
    if not recipients:
        raise PortalError("no_recipient", N_("该地区暂时没有可以接收举报的纪检监察人员，请改用电话或信件举报。"), 503)
    # each filing costs the server an Argon2id: a flood is bounded per hour (no address to tell senders apart)
    _bump({"filed": int(current_app.config.get("REPORTS_MAX_PER_HOUR", 300))},
          N_("这一小时内提交的举报太多，请稍后再试。"))
    report_private, report_public = crypto.new_keypair()
    identity_private, identity_public = crypto.new_keypair()
    listing = [{"name": n, "mime": m, "size": len(d)} for n, m, d in attachments]
    content = crypto.seal_json(report_public, {"text": text, "attachments": listing}, "content")
    sealed_files = [crypto.seal(report_public, d, f"attachment|{i}") for i, (_n, _m, d) in enumerate(attachments)]
    sealed_identity = crypto.seal_json(identity_public, who, "identity") if who else None
    for _attempt in range(5):
        receipt = receipt or new_receipt()
        lookup_id, reporter_key = receipt_secrets(receipt)
        if not Report.select().where(Report.lookup_id == lookup_id).exists():
            break
        receipt = None
    else:  # pragma: no cover - 10^16 receipts
        raise PortalError("receipt_exhausted", N_("生成回执码失败，请重试。"), 500)
    with transaction(lock=True):
        report = Report.create(unit=unit, lookup_id=lookup_id, public_key=report_public,
                               identity_public_key=identity_public, content=content,
                               content_sha256=crypto.sha256_hex(content), identity=sealed_identity,
                               filed_hour=hour_of(), campaign_id=campaign)
        for position, blob in enumerate(sealed_files):
            ReportAttachment.create(report=report, position=position, blob=blob)
        ReportKeyWrap.create(report=report, holder=None, kind="report",
                             blob=crypto.box(reporter_key, report_private, f"reporter|{report.id}"))
        shares = shamir.split(identity_private, len(recipients)) if who else [None] * len(recipients)
        for (user, public), share in zip(recipients, shares):
            ReportKeyWrap.create(report=report, holder=user, kind="report",
                                 blob=crypto.seal(public, report_private, f"wrap|report|{report.id}"))
            if share is not None:  # each inspector holds one share of the identity key, never the key
                ReportKeyWrap.create(report=report, holder=user, kind="identity",
                                     blob=crypto.seal(public, share, f"wrap|identity|{report.id}"))
    return receipt


# -- receipts: look up, rate-limited -------------------------------------------------

def _throttle_keys(receipt):
    return [f"p:{receipt[:4]}", "all"]


def _bump(limits, message):
    """Count one act against each ``{key: hourly limit}``, or refuse it with ``message``.

    The counters are bumped first and read back in the same transaction: the bump
    holds the rows (SQLite's write lock, PostgreSQL's row lock) until commit, so
    of any number of simultaneous acts at most the limit pass; a refused act
    rolls its bump back.
    """
    hour = hour_of()
    with transaction(lock=True):
        for key in limits:
            (ReceiptThrottle.insert(key=key, hour=hour, count=1)
             .on_conflict(conflict_target=[ReceiptThrottle.key, ReceiptThrottle.hour],
                          update={ReceiptThrottle.count: ReceiptThrottle.count + 1}).execute())
        counts = {r.key: r.count for r in ReceiptThrottle.select().where(
            ReceiptThrottle.key.in_(list(limits)) & (ReceiptThrottle.hour == hour))}
        if any(counts.get(k, 0) > limit for k, limit in limits.items()):
            raise TooManyAttempts("too_many_attempts", message)
        ReceiptThrottle.delete().where(ReceiptThrottle.hour < hour - datetime.timedelta(days=1)).execute()
    return hour


def _reserve_attempt(receipt):
    """Count this receipt attempt before the slow check (so parallel guesses count too), or refuse it."""
    return _bump(dict(zip(_throttle_keys(receipt), (PREFIX_LIMIT, GLOBAL_LIMIT))),
                 N_("回执码错误次数过多，请一小时后再试。"))


def _release_attempt(receipt, hour):
    """A right receipt does not count against its prefix or the total."""
    with transaction():
        (ReceiptThrottle.update(count=ReceiptThrottle.count - 1)
         .where(ReceiptThrottle.key.in_(_throttle_keys(receipt)) & (ReceiptThrottle.hour == hour)
                & (ReceiptThrottle.count > 0)).execute())


def unlock_by_receipt(value):
    """(report, its private key) for a receipt; ``wrong_receipt`` or ``too_many_attempts`` otherwise."""
    receipt = normalize_receipt(value)
    hour = _reserve_attempt(receipt)
    lookup_id, reporter_key = receipt_secrets(receipt)
    report = Report.get_or_none(Report.lookup_id == lookup_id)
    wrap = report and ReportKeyWrap.get_or_none((ReportKeyWrap.report == report) & ReportKeyWrap.holder.is_null()
                                                & (ReportKeyWrap.kind == "report"))
    if report is None or wrap is None:
        raise NotFound("wrong_receipt", N_("回执码不正确，或该举报已按期限删除。"))
    _release_attempt(receipt, hour)
    return report, crypto.unbox(reporter_key, wrap.blob, f"reporter|{report.id}")


def reporter_view(report, private):
    """What the reporter sees: status, what they sent, replies, and the proof once sealed."""
    content = crypto.unseal_json(private, report.content, "content")
    replies, added = [], []
    for message in report.messages.order_by(ReportMessage.id):
        text = crypto.unseal_json(private, message.blob, f"message|{message.author}")["text"]
        if message.author == "reporter":
            added.append({"text": text, "hour": message.hour})
        else:
            replies.append({"text": text, "at": message.hour, "kind": message.author})
    return {"status": report.status, "status_name": report.status_name, "text": content["text"],
            "attachments": content["attachments"], "replies": replies, "added": added,
            "filed_hour": report.filed_hour, "audit_index": report.audit_index,
            "content_sha256": report.content_sha256}


def add_material(value, text):
    """The reporter adds text to their report (sealed; its entry waits for the hour's batch); (report, key)."""
    report, private = unlock_by_receipt(value)
    text = clean_text(text, "text", "补充内容", MAX_TEXT, required=True)
    if report.status == "closed":
        raise ValidationError("report_closed", N_("该举报已办结，不能再补充。如有新情况请另行举报。"))
    blob = crypto.seal_json(bytes(report.public_key), {"text": text}, "message|reporter")
    with transaction():
        ReportMessage.create(report=report, author="reporter", blob=blob, blob_sha256=crypto.sha256_hex(blob),
                             hour=hour_of())
    return report, private


# -- the hourly batch of reporters' audit entries ----------------------------------------

def seal_pending(everything=False):
    """Append the audit entries of filings and additions of finished hours, shuffled, stamped with their hour.

    ``everything`` seals the current hour too (an operator closing the books, tests).
    Returns how many entries were written.
    """
    before = hour_of() + (datetime.timedelta(hours=1) if everything else datetime.timedelta(0))
    with transaction(lock=True):
        # FOR UPDATE on PostgreSQL: two processes sweeping at once never seal a row twice
        items = [("file", r) for r in for_update(Report.select().where(Report.audit_index.is_null()
                                                                       & (Report.filed_hour < before)))]
        items += [("add", m) for m in for_update(ReportMessage.select().where(
            ReportMessage.audit_index.is_null() & (ReportMessage.author == "reporter") & (ReportMessage.hour < before)))]
        random.SystemRandom().shuffle(items)
        for kind, row in items:
            if kind == "file":
                hour, payload, model = row.filed_hour, {"ciphertext_sha256": row.content_sha256}, Report
            else:
                hour, payload, model = row.hour, {"ciphertext_sha256": row.blob_sha256}, ReportMessage
            object_id = row.id if kind == "file" else row.report_id
            entry = record(REPORTER, f"report.{kind}", "report", object_id, payload,
                           time=hour.replace(tzinfo=datetime.timezone.utc))
            model.update(audit_index=entry.index).where(model.id == row.id).execute()
    return len(items)
