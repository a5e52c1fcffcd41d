"""The only writer of publications: draft → review → publish, corrections and withdrawals.

Every step checks everything before writing, writes its rows and its audit
entry in one transaction, and only after commit tells the projections
(search, feeds) through ``public.changed``. Refusals raise a PortalError with
a Chinese message and leave the database untouched.
"""
from flask import url_for

from portal.core.routing import to_id
from portal.core import events
from portal.core import records
from portal.core.db import for_update, transaction
from portal.core.records import RecordType, Transition
from portal.core.errors import Conflict, NotFound, ValidationError
from portal.core.permissions import require
from portal.publications import periods
from portal.publications.audit_trail import audit, draft_payload, published_payload, trusted_text, withdrawal_payload
from portal.publications.categories import (CATEGORIES, EDITABLE_STATUSES, PERIOD_CATEGORIES, PUBLIC_STATUSES,
                                            STATUSES)
from portal.publications.powers import record_step
from portal.core.money import parse_amount
from portal.core.clock import parse_date, today
from portal.core.personal_data import mask_text
from portal.core.text import clean_text
from portal.publications.models import Attachment, PowerItem, Publication
from portal.core.clock import utcnow
from portal.units.models import Unit

MAX_TITLE = 200
MAX_BODY = 50_000
MAX_REASON = 500
MAX_PERIOD_DAYS = 366


def get_publication(pub_id):
    pub = Publication.get_or_none(Publication.id == to_id(pub_id)) if to_id(pub_id) is not None else None
    if pub is None:
        raise NotFound("publication_not_found", "找不到该公开记录。")
    return pub


def get_village(code):
    village = Unit.find(code, "village")
    if village is None:
        raise ValidationError("bad_village", "村（社区）代码不存在。")
    return village


def _text(data, key, label, limit, required=False):
    return clean_text(data.get(key), key, label, limit, required)


def clean_fields(data, default_category=None):
    """Check a draft's fields; returns a dict ready for the row (masked columns included)."""
    title = _text(data, "title", "标题", MAX_TITLE, required=True)
    body = _text(data, "body", "正文", MAX_BODY)
    category = data.get("category") or default_category
    if not isinstance(category, str) or category not in CATEGORIES:
        raise ValidationError("bad_category", "公开类别无效，请从 %(categories)s 中选择。",
                              categories=list(CATEGORIES.values()))
    power = None
    if data.get("power"):
        power = PowerItem.get_or_none(PowerItem.code == str(data["power"])[:16])
        if power is None:
            raise ValidationError("bad_power", "权力清单事项不存在。")
    start = parse_date(data.get("period_start"), "period_start", "公示开始日期")
    end = parse_date(data.get("period_end"), "period_end", "公示结束日期")
    if (start is None) != (end is None):
        raise ValidationError("incomplete_period", "公示期须同时填写开始和结束日期。")
    if start is None and category in PERIOD_CATEGORIES:
        raise ValidationError("missing_period", "%(category)s必须填写公示期（开始和结束日期）。",
                              category=CATEGORIES[category])
    if start is not None and end < start:
        raise ValidationError("period_end_before_start", "公示结束日期不能早于开始日期。")
    if start is not None and (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationError("period_too_long", "公示期不能超过一年。")
    amount = parse_amount(data.get("amount"), "amount", "金额")
    decided_on = parse_date(data.get("decided_on"), "decided_on", "决定日期")
    if amount is not None and decided_on is None:
        raise ValidationError("missing_decided_on", "填写金额时须同时填写决定日期。")
    if decided_on is not None and decided_on > today():
        raise ValidationError("decided_on_in_future", "决定日期不能晚于今天。")
    title_masked, title_found = mask_text(title)
    body_masked, body_found = mask_text(body)
    return {"title": title, "body": body, "category": category, "power": power,
            "period_start": start, "period_end": end, "amount": amount, "decided_on": decided_on,
            "title_masked": title_masked,
            "body_masked": body_masked, "masked_count": len(title_found) + len(body_found)}


def _reason(reason, code, label):
    return mask_text(clean_text(reason, code, label, MAX_REASON, required=True))[0]


def notify(*pubs):
    """Each public version changed: delivered after commit (search re-indexes, feeds follow)."""
    for pub in pubs:
        events.emit("public.changed", doc_type="publication", object_id=str(pub.id),
                    audit_index=pub.withdraw_audit_index if pub.status == "withdrawn" else pub.audit_index)


def create_draft(actor, village, data, steps=None):
    """A clerk's new draft for their village, with the power-list steps already done (all or nothing)."""
    require(actor, "publication.draft", village)
    fields = clean_fields(data)
    if steps is not None and (not isinstance(steps, list) or len(steps) > 30
                              or not all(isinstance(item, dict) for item in steps)):
        raise ValidationError("bad_steps", "steps 必须是不超过30项的列表，每一项是对象。")
    with transaction():
        pub = Publication.create(village=village, author=actor, status="draft", **fields)
        pub.series = pub.id
        pub.save()
        audit(actor, "publication.draft", pub, draft_payload(pub))
        for item in steps or ():
            record_step(actor, pub, item.get("step"), item.get("done_on"), item.get("note", ""))
    return pub


def update_draft(actor, pub, data):
    """Edit a draft or a sent-back draft; it goes (back) to review as a draft."""
    require(actor, "publication.draft", pub.village)
    fields = clean_fields(data, default_category=pub.category)
    with transaction(lock=True):
        row = _locked(pub)
        if row.status not in EDITABLE_STATUSES:
            raise Conflict("bad_state", "只有草稿或已退回的草稿可以修改；已公开的记录请用“更正”。")
        for key, value in fields.items():
            setattr(row, key, value)
        row.status = "draft"
        row.updated_at = utcnow()
        row.save()
        audit(actor, "publication.edit", row, draft_payload(row))
    return _shown_to_caller(pub, row)


def _locked(pub):
    """The row re-read under the write lock, so a state check cannot race a concurrent request."""
    return for_update(Publication.select().where(Publication.id == pub.id)).get()


def _shown_to_caller(pub, row):
    """Let the caller's instance show the committed row."""
    pub.__data__.update(row.__data__)
    pub._dirty.clear()
    return pub


def correct(actor, pub, data):
    """A correction: a new draft version superseding ``pub`` once reviewed and published.

    The checks run on the locked row inside the transaction, so simultaneous
    requests leave at most one pending correction.
    """
    require(actor, "publication.correct", pub.village)
    note = _reason(data.get("correction_note"), "correction_note", "更正说明")
    with transaction(lock=True):
        pub = _locked(pub)
        if pub.status == "withdrawn":
            raise Conflict("bad_state", "该记录已撤回，不能更正；如需重新公开，请起草新的公开。")
        if pub.status == "superseded":
            raise Conflict("bad_state", "该版本已被更正，请对最新版本进行更正。")
        if pub.status != "published":
            raise Conflict("bad_state", "只有已公开的记录可以更正；草稿请直接修改。")
        if Publication.select().where((Publication.supersedes == pub) &
                                      (Publication.status.in_(("draft", "returned", "approved")))).exists():
            raise Conflict("correction_pending", "该记录已有一份待审核的更正。")
        title, body = trusted_text(pub)  # the raw columns only while they match their sealed hash
        merged = {"title": title, "body": body, "category": pub.category, "power": pub.power_id,
                  "period_start": pub.period_start, "period_end": pub.period_end,
                  "amount": pub.amount, "decided_on": pub.decided_on}
        merged.update({k: v for k, v in data.items() if k in merged})
        fields = clean_fields(merged)
        new = Publication.create(village=pub.village, author=actor, status="draft", series=pub.series,
                                 version=pub.version + 1, supersedes=pub, correction_note=note, **fields)
        for att in pub.attachments.order_by(Attachment.id):
            Attachment.create(publication=new, filename=att.filename, mime=att.mime, size=att.size,
                              sha256=att.sha256, data=att.data, thumbnail=att.thumbnail,
                              uploaded_by=att.uploaded_by_id)
        audit(actor, "publication.correct", new, dict(draft_payload(new), correction_note=note))
    return new


def _not_own_draft(actor, pub):
    if pub.author_id is not None and pub.author_id == actor.id:
        raise Conflict("own_draft", "不能审核自己起草的公开内容。")


def _send_back(actor, pub, data):
    _not_own_draft(actor, pub)
    pub.review_note = _reason(data.get("reason"), "reason", "退回理由")
    pub.reviewed_by = actor
    pub.reviewed_at = utcnow()


def _approve(actor, pub, data):
    _not_own_draft(actor, pub)
    pub.review_note = ""
    pub.reviewed_by = actor
    pub.reviewed_at = utcnow()


def _publish(actor, pub, data):
    """A correction supersedes its previous version in the same transaction."""
    periods.check_publishable(pub.period_start, pub.period_end, today())
    previous = None
    if pub.supersedes_id is not None:
        previous = for_update(Publication.select().where(Publication.id == pub.supersedes_id)).get()
        if previous.status != "published":
            raise Conflict("previous_not_published", "被更正的版本已撤回或已被其他版本更正，不能再发布这一更正。")
    pub.published_by = actor
    pub.published_at = utcnow()
    if previous is not None:
        previous.status = "superseded"
        previous.superseded_at = pub.published_at
        previous.save()
        notify(previous)


def _withdraw(actor, pub, data):
    pub.withdraw_reason = _reason(data.get("reason"), "reason", "撤回理由")
    pub.withdrawn_by = actor
    pub.withdrawn_at = utcnow()


def _attachment_hashes(pub):
    return [a.sha256 for a in pub.attachments.order_by(Attachment.id)]


_ALREADY_PUBLIC = {s: "该记录已经公开过。" for s in PUBLIC_STATUSES}

# 公开记录 as a record type: review, publication and withdrawal go through the one write path
# (portal.core.records.transition: locked row, scope, state, audit entry, after-commit event).
# Drafts, edits and corrections create or rewrite draft rows and stay above.
PUBLICATION = RecordType(
    name="publication", label="公开记录", model=Publication, states=STATUSES, state_field="status",
    public_states=PUBLIC_STATUSES, unit_of=lambda pub: pub.village,
    find_unit=lambda code: Unit.find(code, "village"), public_fields=(), generic=False,
    url_of=lambda pub_id: url_for("publications.detail", pub_id=pub_id),
    title_of=lambda pub: pub.title_masked, body_of=lambda pub: pub.body_masked,
    transitions=[
        Transition("send_back", "publication.review", ["draft", "approved"], "returned", change=_send_back,
                   payload=lambda pub: {"id": pub.id, "reason": pub.review_note}, audit_field=None,
                   refusals={"returned": "该草稿已经退回。"}),
        Transition("approve", "publication.review", ["draft"], "approved", change=_approve,
                   payload=lambda pub: {"id": pub.id, "content": draft_payload(pub)}, audit_field=None,
                   refusals={"returned": "该草稿已退回，需发布员修改后才能审核。",
                             "approved": "该草稿已经审核通过。", **_ALREADY_PUBLIC}),
        Transition("publish", "publication.publish", ["approved"], "published", change=_publish,
                   payload=published_payload, files=_attachment_hashes,
                   refusals={"draft": "未经村务监督委员会审核通过的草稿不能公开。",
                             "returned": "未经村务监督委员会审核通过的草稿不能公开。", **_ALREADY_PUBLIC}),
        Transition("withdraw", "publication.withdraw", ["published"], "withdrawn", change=_withdraw,
                   payload=withdrawal_payload, audit_field="withdraw_audit_index",
                   refusals={"withdrawn": "该记录已经撤回。", "superseded": "该版本已被更正，请撤回最新版本。"}),
    ])


def _take(actor, pub, name, data=None):
    """One step through the record mechanism; ``pub`` (the caller's instance) shows the committed row."""
    return _shown_to_caller(pub, records.transition(PUBLICATION, actor, pub.id, name, data))


def send_back(actor, pub, reason):
    """The supervisor returns a draft with a reason; the clerk edits and resubmits."""
    return _take(actor, pub, "send_back", {"reason": reason})


def approve(actor, pub):
    """The supervisor approves a draft someone else wrote."""
    return _take(actor, pub, "approve")


def publish(actor, pub):
    """The clerk publishes an approved draft; a correction supersedes its previous version."""
    return _take(actor, pub, "publish")


def withdraw(actor, pub, reason):
    """Withdraw a published record: a recorded act; the record stays readable, marked withdrawn."""
    return _take(actor, pub, "withdraw", {"reason": reason})


def publish_system_record(village, category, power, title, body_markdown, actor, source_type, source_id):
    """Publish directly, without review, content that was already public (e.g. a meeting's archive).

    Idempotent per (source_type, source_id): asking twice returns the first record.
    """
    if not source_type or not source_id:
        raise ValidationError("missing_source", "系统公开必须注明来源。")
    if isinstance(village, str):
        village = get_village(village)
    existing = Publication.get_or_none((Publication.source_type == str(source_type)[:32]) &
                                       (Publication.source_id == str(source_id)[:64]))
    if existing is not None:
        return existing
    power_code = getattr(power, "code", power)
    fields = clean_fields({"title": title, "body": body_markdown, "category": category, "power": power_code})
    with transaction():
        pub = Publication.create(village=village, author=actor, status="approved",
                                 source_type=str(source_type)[:32], source_id=str(source_id)[:64], **fields)
        pub.series = pub.id
        pub.save()
        return records.transition(PUBLICATION, actor, pub.id, "publish", system=True)


def can_view_draft(user, pub):
    from portal.core.permissions import can
    return can(user, "publication.view_draft", pub.village)


def visible_publication(user, pub_id):
    """The publication if ``user`` may read it: public versions for all, drafts for the village's staff."""
    pub = get_publication(pub_id)
    if not pub.is_public and not can_view_draft(user, pub):
        raise NotFound("publication_not_found", "找不到该公开记录。")
    return pub

