"""The inspectors' side: the inbox of their scope, opening, replying, closing, grants, identity.

Every act that reads or hands on a report is an audit entry naming who (their
office, ``actor_label``), when and which report, never what it says: opening,
downloading an attachment (an export), granting and revoking access, asking
for and approving the reporter's identity (two-person rule), viewing it. The
decrypted key is passed in by the caller (the session's keyring, or the
passphrase on an API call); this module never stores it. The identity key is
held only in 2-of-n shares (``shamir``): no inspector can reveal a reporter alone.
"""
import datetime

from portal.accounts.models import User
from portal.core.auditing import actor_name, record
from portal.core.clock import today, utcnow
from portal.core.db import for_update, transaction
from portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from portal.core.i18n import N_
from portal.core.permissions import can
from portal.core.text import clean_text
from portal.reports import crypto, shamir
from portal.reports.keys import key_of
from portal.reports.models import (IdentityReveal, Report, ReportAttachment, ReportKeyWrap, ReportMessage,
                                   hour_of)
from portal.units.models import Unit

PER_PAGE = 20


def _scope_query(user):
    if not can(user, "report.inspect"):
        raise PermissionDenied("not_allowed", N_("只有纪检监察人员可以查看举报。"))
    return Report.select(Report, Unit).join(Unit).where(Unit.path.startswith(user.unit.path))


def inbox(user, status=None, page=1):
    """Metadata of the reports in ``user``'s scope, newest first: never content."""
    query = _scope_query(user)
    if status:
        query = query.where(Report.status == status)
    total = query.count()
    rows = list(query.order_by(Report.id.desc()).paginate(page, PER_PAGE))
    held = {w.report_id for w in ReportKeyWrap.select(ReportKeyWrap.report).where(
        (ReportKeyWrap.holder == user) & (ReportKeyWrap.kind == "report")
        & ReportKeyWrap.report.in_([r.id for r in rows] or [0]))}
    return rows, held, total


def get_report(user, report_id):
    """The report if it is in ``user``'s scope, else ``not_found`` (out of scope looks the same)."""
    row = _scope_query(user).where(Report.id == report_id).first() if isinstance(report_id, int) else None
    if row is None:
        raise NotFound("not_found", N_("找不到该举报。"))
    return row


def wrap_of(report, user, kind="report"):
    return ReportKeyWrap.get_or_none((ReportKeyWrap.report == report) & (ReportKeyWrap.holder == user)
                                     & (ReportKeyWrap.kind == kind))


def report_key(user, report, inspector_private, kind="report"):
    """Unwrap the report's (or its identity's) private key with the inspector's unlocked key."""
    if inspector_private is None:
        raise PermissionDenied("locked", N_("请先输入举报密钥口令解锁，才能查看举报内容。"))
    wrap = wrap_of(report, user, kind)
    if wrap is None:
        raise PermissionDenied("no_access", N_("您没有这份举报的密钥：请已有权限的纪检监察人员授权给您。"))
    try:
        return crypto.unseal(inspector_private, wrap.blob, f"wrap|{kind}|{report.id}")
    except crypto.DecryptionFailed:
        raise PermissionDenied("locked", N_("解锁的密钥与这份举报不符，请重新解锁。")) from None


def open_report(user, report_id, inspector_private):
    """The decrypted report; the opening is an audit entry (who, which report)."""
    report = get_report(user, report_id)
    private = report_key(user, report, inspector_private)
    content = crypto.unseal_json(private, report.content, "content")
    messages = [{"kind": m.author, "hour": m.hour,
                 "text": crypto.unseal_json(private, m.blob, f"message|{m.author}")["text"]}
                for m in report.messages.order_by(ReportMessage.id)]
    with transaction():
        entry = record(user, "report.open", "report", report.id, {"report": report.id})
    return {"report": report, "text": content["text"], "attachments": content["attachments"],
            "messages": messages, "identity_given": report.identity is not None, "audit_index": entry.index}


def attachment(user, report_id, position, inspector_private):
    """(name, mime, bytes) of one attachment; each download is an audit entry (an export)."""
    report = get_report(user, report_id)
    private = report_key(user, report, inspector_private)
    content = crypto.unseal_json(private, report.content, "content")
    row = ReportAttachment.get_or_none((ReportAttachment.report == report) & (ReportAttachment.position == position))
    if row is None or not 0 <= position < len(content["attachments"]):
        raise NotFound("not_found", N_("找不到该附件。"))
    meta = content["attachments"][position]
    data = crypto.unseal(private, row.blob, f"attachment|{position}")
    with transaction():
        record(user, "report.export", "report", report.id, {"report": report.id, "attachment": position})
    return meta["name"], meta["mime"], data


def _refuse_closed(report):
    """Re-read the status under the write lock (SQLite) or the row lock (PostgreSQL): closed once."""
    if for_update(Report.select(Report.status).where(Report.id == report.id)).get().status == "closed":
        raise Conflict("bad_state", N_("该举报已办结。"))


def export_text(user, report_id, inspector_private):
    """The report and its messages as a text file for the case file; an export, audited."""
    report = get_report(user, report_id)
    private = report_key(user, report, inspector_private)
    content = crypto.unseal_json(private, report.content, "content")
    lines = [f"举报 #{report.id} · {report.unit.name} · {report.status_name}", "", content["text"], ""]
    lines += [f"附件：{a['name']}（{a['size']} 字节）" for a in content["attachments"]]
    for m in report.messages.order_by(ReportMessage.id):
        label = {"reporter": "举报人补充", "inspector": "回复", "conclusion": "办结结论"}[m.author]
        lines += ["", f"【{label}】", crypto.unseal_json(private, m.blob, f"message|{m.author}")["text"]]
    with transaction():
        record(user, "report.export", "report", report.id, {"report": report.id, "what": "text"})
    return "\n".join(lines) + "\n"


def _write_message(user, report, kind, text, label):
    text = clean_text(text, "text", label, 5000, required=True)
    blob = crypto.seal_json(bytes(report.public_key), {"text": text}, f"message|{kind}")
    ReportMessage.create(report=report, author=kind, blob=blob, blob_sha256=crypto.sha256_hex(blob),
                         hour=hour_of())


def reply(user, report_id, text, inspector_private):
    """A reply the reporter reads with their receipt; the report is then 处理中."""
    report = get_report(user, report_id)
    report_key(user, report, inspector_private)  # only a reader of the report may answer it
    with transaction(lock=True):
        _refuse_closed(report)
        _write_message(user, report, "inspector", text, "回复内容")
        Report.update(status="handling").where(Report.id == report.id).execute()
        record(user, "report.reply", "report", report.id, {"report": report.id})
    return report


def close(user, report_id, conclusion, inspector_private, retention_days):
    """Close with a conclusion (the reporter reads it); deletion is due ``retention_days`` later."""
    report = get_report(user, report_id)
    report_key(user, report, inspector_private)
    with transaction(lock=True):
        _refuse_closed(report)
        _write_message(user, report, "conclusion", conclusion, "办结结论")
        Report.update(status="closed", closed_at=utcnow(),
                      expires_on=today() + datetime.timedelta(days=retention_days)).where(
            Report.id == report.id).execute()
        record(user, "report.close", "report", report.id, {"report": report.id})
    return report


def link(user, report_id, campaign=None, followup=None):
    """Tie the report to a campaign (点题整治) or a follow-up (督办) by their ids; audited."""
    report = get_report(user, report_id)
    values = {}
    for field, value, label in (("campaign_id", campaign, "专项整治"), ("followup_id", followup, "督办")):
        if value in (None, ""):
            continue
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**53:
            raise ValidationError(f"bad_{field[:-3]}", N_("%(label)s编号必须是正整数。"), label=label)
        values[field] = value
    if not values:
        raise ValidationError("nothing_to_link", N_("请填写专项整治或督办的编号。"))
    with transaction():
        Report.update(**values).where(Report.id == report.id).execute()
        record(user, "report.link", "report", report.id, {"report": report.id, **values})
    return report


# -- access for inspectors who came later -----------------------------------------------

def grant(user, report_id, grantee_username, inspector_private):
    """Give an inspector in scope, who has a key but no wrap, access to this report (and its identity key)."""
    report = get_report(user, report_id)
    grantee = User.get_or_none(User.username == str(grantee_username or "")[:32])
    grantee_key = key_of(grantee) if grantee is not None else None
    if (grantee is None or grantee.role != "inspector" or not grantee.active or grantee.unit is None
            or not grantee.unit.covers(report.unit)):
        raise ValidationError("bad_grantee", N_("只能授权给辖区覆盖该举报的纪检监察人员。"))
    if grantee_key is None:
        raise ValidationError("grantee_without_key", N_("对方还没有设置举报密钥口令，暂不能授权。"))
    if wrap_of(report, grantee) is not None:
        raise Conflict("already_granted", N_("对方已经可以查看这份举报。"))
    private = report_key(user, report, inspector_private)
    kinds = [("report", private)]
    if wrap_of(report, user, "identity") is not None:
        kinds.append(("identity", report_key(user, report, inspector_private, "identity")))
    with transaction(lock=True):
        for kind, key in kinds:
            ReportKeyWrap.create(report=report, holder=grantee, kind=kind,
                                 blob=crypto.seal(bytes(grantee_key.public_key), key, f"wrap|{kind}|{report.id}"))
        record(user, "report.grant", "report", report.id, {"report": report.id, "to": actor_name(grantee)})
    return grantee


def revoke(user, report_id, grantee_username):
    """Take a wrap away (what the grantee has already read stays read; audited)."""
    report = get_report(user, report_id)
    report_key_held = wrap_of(report, user)
    grantee = User.get_or_none(User.username == str(grantee_username or "")[:32])
    if report_key_held is None:
        raise PermissionDenied("no_access", N_("您没有这份举报的密钥。"))
    if grantee is None or grantee.id == user.id or wrap_of(report, grantee) is None:
        raise ValidationError("bad_grantee", N_("对方并没有这份举报的访问权限。"))
    with transaction():
        ReportKeyWrap.delete().where((ReportKeyWrap.report == report) & (ReportKeyWrap.holder == grantee)).execute()
        record(user, "report.revoke", "report", report.id, {"report": report.id, "from": actor_name(grantee)})


def holders(report):
    return list(User.select().join(ReportKeyWrap, on=(ReportKeyWrap.holder == User.id)).where(
        (ReportKeyWrap.report == report) & (ReportKeyWrap.kind == "report")).order_by(User.username))


# -- the reporter's identity: two-person rule --------------------------------------------

def request_identity(user, report_id, reason, inspector_private):
    report = get_report(user, report_id)
    report_key(user, report, inspector_private)
    if report.identity is None:
        raise ValidationError("anonymous", N_("举报人没有留下身份信息。"))
    reason = clean_text(reason, "reason", "理由", 200, required=True)
    if IdentityReveal.select().where((IdentityReveal.report == report) & (IdentityReveal.requester == user)).exists():
        raise Conflict("already_requested", N_("您已经申请过查看举报人身份。"))
    with transaction():
        ask = IdentityReveal.create(report=report, requester=user, reason=reason)
        record(user, "report.identity_request", "report", report.id, {"report": report.id, "request": ask.id})
    return ask


def pending_reveals(report):
    return list(IdentityReveal.select().where((IdentityReveal.report == report)).order_by(IdentityReveal.id))


def approve_identity(user, report_id, request_id, inspector_private):
    """A second inspector approves another's request (never their own) by handing over their
    share of the identity key, sealed to the requester: without it the requester cannot decrypt."""
    report = get_report(user, report_id)
    report_key(user, report, inspector_private)
    ask = IdentityReveal.get_or_none((IdentityReveal.id == request_id) & (IdentityReveal.report == report))
    if ask is None:
        raise NotFound("not_found", N_("找不到该申请。"))
    if ask.requester_id == user.id:
        raise PermissionDenied("same_person", N_("查看举报人身份须由另一名纪检监察人员批准，不能自己批准。"))
    if ask.approver_id is not None:
        raise Conflict("already_approved", N_("该申请已经批准。"))
    requester_key = key_of(ask.requester)
    share = report_key(user, report, inspector_private, "identity")
    if requester_key is None:
        raise ValidationError("requester_without_key", N_("申请人没有举报密钥。"))
    handed = crypto.seal(bytes(requester_key.public_key), share, f"reveal|{ask.id}")
    with transaction():
        IdentityReveal.update(approver=user, approver_share=handed).where(IdentityReveal.id == ask.id).execute()
        record(user, "report.identity_approve", "report", report.id, {"report": report.id, "request": ask.id})


def view_identity(user, report_id, inspector_private):
    report = get_report(user, report_id)
    approved = IdentityReveal.select().where((IdentityReveal.report == report) & (IdentityReveal.requester == user)
                                             & IdentityReveal.approver_share.is_null(False)).first()
    if approved is None:
        raise PermissionDenied("needs_approval", N_("查看举报人身份须经另一名纪检监察人员批准。"))
    mine = report_key(user, report, inspector_private, "identity")
    try:
        theirs = crypto.unseal(inspector_private, approved.approver_share, f"reveal|{approved.id}")
        private = shamir.combine(mine, theirs)
        who = crypto.unseal_json(private, report.identity, "identity")
    except (ValueError, crypto.DecryptionFailed):
        raise PermissionDenied("same_share", N_("批准人与您持有的是同一份密钥份额，须由另一名持有不同份额的人员批准。")) from None
    with transaction():
        record(user, "report.identity_view", "report", report.id, {"report": report.id})
    return who
