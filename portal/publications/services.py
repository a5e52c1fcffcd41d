"""The only writer of publications: draft → review → publish, corrections and withdrawals.

Every step checks everything before writing, writes its rows and its audit
entry in one transaction, and only after commit tells the projections
(search, feeds) through ``public.changed``. Refusals raise a PortalError with
a Chinese message and leave the database untouched.
"""
from portal.core.routing import to_id
from portal.core import events
from portal.core.db import database
from portal.core.errors import Conflict, NotFound, ValidationError
from portal.core.permissions import require
from portal.publications.audit_trail import audit, draft_payload, published_payload, withdrawal_payload
from portal.publications.categories import CATEGORIES, EDITABLE_STATUSES, PERIOD_CATEGORIES
from portal.core.money import parse_amount
from portal.core.clock import parse_date, today
from portal.core.personal_data import mask_text
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
    value = data.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"bad_{key}", f"{label}必须是文本。")
    value = value.strip()
    if required and not value:
        raise ValidationError(f"missing_{key}", f"请填写{label}。")
    if len(value) > limit:
        raise ValidationError(f"{key}_too_long", f"{label}不能超过{limit}个字。")
    return value


def clean_fields(data, default_category=None):
    """Check a draft's fields; returns a dict ready for the row (masked columns included)."""
    title = _text(data, "title", "标题", MAX_TITLE, required=True)
    body = _text(data, "body", "正文", MAX_BODY)
    category = data.get("category") or default_category
    if not isinstance(category, str) or category not in CATEGORIES:
        raise ValidationError("bad_category", "公开类别无效，请从 " + "、".join(CATEGORIES.values()) + " 中选择。")
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
        raise ValidationError("missing_period", f"{CATEGORIES[category]}必须填写公示期（开始和结束日期）。")
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
    reason = (reason or "").strip() if isinstance(reason, str) or reason is None else None
    if reason is None:
        raise ValidationError(f"bad_{code}", f"{label}必须是文本。")
    if not reason:
        raise ValidationError(f"missing_{code}", f"请填写{label}。")
    if len(reason) > MAX_REASON:
        raise ValidationError(f"{code}_too_long", f"{label}不能超过{MAX_REASON}个字。")
    return mask_text(reason)[0]


def notify(*pubs):
    """After commit: each public version changed (search re-indexes, feeds follow)."""
    for pub in pubs:
        events.emit("public.changed", doc_type="publication", object_id=str(pub.id),
                    audit_index=pub.withdraw_audit_index if pub.status == "withdrawn" else pub.audit_index)


def create_draft(actor, village, data):
    """A clerk's new draft for their village."""
    require(actor, "publication.draft", village)
    fields = clean_fields(data)
    with database.atomic():
        pub = Publication.create(village=village, author=actor, status="draft", **fields)
        pub.series = pub.id
        pub.save()
        audit(actor, "publication.draft", pub, draft_payload(pub))
    return pub


def update_draft(actor, pub, data):
    """Edit a draft or a sent-back draft; it goes (back) to review as a draft."""
    require(actor, "publication.draft", pub.village)
    if pub.status not in EDITABLE_STATUSES:
        raise Conflict("not_editable", "只有草稿或已退回的草稿可以修改；已公开的记录请用“更正”。")
    fields = clean_fields(data, default_category=pub.category)
    with database.atomic():
        for key, value in fields.items():
            setattr(pub, key, value)
        pub.status = "draft"
        pub.updated_at = utcnow()
        pub.save()
        audit(actor, "publication.edit", pub, draft_payload(pub))
    return pub


def _check_reviewer(actor, pub):
    require(actor, "publication.review", pub.village)
    if pub.author_id is not None and pub.author_id == actor.id:
        raise Conflict("own_draft", "不能审核自己起草的公开内容。")


def send_back(actor, pub, reason):
    """The supervisor returns a draft with a reason; the clerk edits and resubmits."""
    _check_reviewer(actor, pub)
    if pub.status not in ("draft", "approved"):
        raise Conflict("not_reviewable", "只有待审核或已审核未公开的草稿可以退回。")
    reason = _reason(reason, "reason", "退回理由")
    with database.atomic():
        pub.status = "returned"
        pub.review_note = reason
        pub.reviewed_by = actor
        pub.reviewed_at = utcnow()
        pub.save()
        audit(actor, "publication.send_back", pub, {"id": pub.id, "reason": reason})
    return pub


def approve(actor, pub):
    """The supervisor approves a draft someone else wrote."""
    _check_reviewer(actor, pub)
    if pub.status == "returned":
        raise Conflict("returned", "该草稿已退回，需发布员修改后才能审核。")
    if pub.status != "draft":
        raise Conflict("not_reviewable", "只有待审核的草稿可以审核通过。")
    with database.atomic():
        pub.status = "approved"
        pub.review_note = ""
        pub.reviewed_by = actor
        pub.reviewed_at = utcnow()
        pub.save()
        audit(actor, "publication.approve", pub, {"id": pub.id, "content": draft_payload(pub)})
    return pub


def _previous_for_publish(pub):
    if pub.supersedes_id is None:
        return None
    previous = Publication.get_by_id(pub.supersedes_id)
    if previous.status != "published":
        raise Conflict("previous_not_published", "被更正的版本已撤回或已被其他版本更正，不能再发布这一更正。")
    return previous


def _mark_published(actor, pub, previous):
    pub.status = "published"
    pub.published_by = actor
    pub.published_at = utcnow()
    pub.save()
    files = [a.sha256 for a in pub.attachments.order_by(Attachment.id)]
    entry = audit(actor, "publication.publish", pub, published_payload(pub), files=files)
    pub.audit_index = entry.index
    pub.save()
    if previous is not None:
        previous.status = "superseded"
        previous.superseded_at = pub.published_at
        previous.save()


def publish(actor, pub):
    """The clerk publishes an approved draft; a correction supersedes its previous version."""
    require(actor, "publication.publish", pub.village)
    if pub.status != "approved":
        if pub.status in ("published", "superseded", "withdrawn"):
            raise Conflict("already_published", "该记录已经公开过。")
        raise Conflict("not_approved", "未经村务监督委员会审核通过的草稿不能公开。")
    with database.atomic():
        previous = _previous_for_publish(pub)
        _mark_published(actor, pub, previous)
    notify(*([pub] + ([previous] if previous else [])))
    return pub


def correct(actor, pub, data):
    """A correction: a new draft version superseding ``pub`` once reviewed and published."""
    require(actor, "publication.correct", pub.village)
    if pub.status == "withdrawn":
        raise Conflict("withdrawn", "该记录已撤回，不能更正；如需重新公开，请起草新的公开。")
    if pub.status == "superseded":
        raise Conflict("superseded", "该版本已被更正，请对最新版本进行更正。")
    if pub.status != "published":
        raise Conflict("not_published", "只有已公开的记录可以更正；草稿请直接修改。")
    if Publication.select().where((Publication.supersedes == pub) &
                                  (Publication.status.in_(("draft", "returned", "approved")))).exists():
        raise Conflict("correction_pending", "该记录已有一份待审核的更正。")
    merged = {"title": pub.title, "body": pub.body, "category": pub.category, "power": pub.power_id,
              "period_start": pub.period_start, "period_end": pub.period_end,
              "amount": pub.amount, "decided_on": pub.decided_on}
    merged.update({k: v for k, v in data.items() if k in merged})
    note = _reason(data.get("correction_note"), "correction_note", "更正说明")
    fields = clean_fields(merged)
    with database.atomic():
        new = Publication.create(village=pub.village, author=actor, status="draft", series=pub.series,
                                 version=pub.version + 1, supersedes=pub, correction_note=note, **fields)
        for att in pub.attachments.order_by(Attachment.id):
            Attachment.create(publication=new, filename=att.filename, mime=att.mime, size=att.size,
                              sha256=att.sha256, data=att.data, thumbnail=att.thumbnail,
                              uploaded_by=att.uploaded_by_id)
        audit(actor, "publication.correct", new, dict(draft_payload(new), correction_note=note))
    return new


def withdraw(actor, pub, reason):
    """Withdraw a published record: a recorded act; the record stays readable, marked withdrawn."""
    require(actor, "publication.withdraw", pub.village)
    if pub.status == "withdrawn":
        raise Conflict("already_withdrawn", "该记录已经撤回。")
    if pub.status == "superseded":
        raise Conflict("superseded", "该版本已被更正，请撤回最新版本。")
    if pub.status != "published":
        raise Conflict("not_published", "只有已公开的记录可以撤回。")
    reason = _reason(reason, "reason", "撤回理由")
    with database.atomic():
        pub.status = "withdrawn"
        pub.withdrawn_by = actor
        pub.withdrawn_at = utcnow()
        pub.withdraw_reason = reason
        pub.save()
        entry = audit(actor, "publication.withdraw", pub, withdrawal_payload(pub))
        pub.withdraw_audit_index = entry.index
        pub.save()
    notify(pub)
    return pub


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
    with database.atomic():
        pub = Publication.create(village=village, author=actor, status="approved",
                                 source_type=str(source_type)[:32], source_id=str(source_id)[:64], **fields)
        pub.series = pub.id
        pub.save()
        _mark_published(actor, pub, None)
    notify(pub)
    return pub


def can_view_draft(user, pub):
    from portal.core.permissions import can
    return can(user, "publication.view_draft", pub.village)


def visible_publication(user, pub_id):
    """The publication if ``user`` may read it: public versions for all, drafts for the village's staff."""
    pub = get_publication(pub_id)
    if not pub.is_public and not can_view_draft(user, pub):
        raise NotFound("publication_not_found", "找不到该公开记录。")
    return pub

