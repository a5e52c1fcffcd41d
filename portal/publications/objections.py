"""异议 during a 公示 period: lodged by the village's residents, checked by a
supervisor before anyone else sees them, answered by the clerk in public.

Everything shown publicly is masked: a resident may well write their own
phone number into an objection.
"""
from portal.core.routing import to_id
from portal.core import events
from portal.core.auditing import record
from portal.core.db import transaction
from portal.core.errors import Conflict, NotFound, ValidationError
from portal.core.permissions import require
from portal.core.clock import today
from portal.core.personal_data import mask
from portal.core.text import clean_text
from portal.publications.models import Objection
from portal.core.clock import utcnow

MIN_TEXT, MAX_TEXT = 5, 1000
MAX_PER_PERSON = 5


def period_state(pub, on=None):
    """``None`` (no period), ``"upcoming"``, ``"running"`` or ``"ended"``."""
    if not pub.has_period:
        return None
    on = on or today()
    if on < pub.period_start:
        return "upcoming"
    return "running" if on <= pub.period_end else "ended"


def get_objection(obj_id):
    obj = Objection.get_or_none(Objection.id == to_id(obj_id)) if to_id(obj_id) is not None else None
    if obj is None:
        raise NotFound("objection_not_found", "找不到该异议。")
    return obj


def lodge(actor, pub, text):
    """A signed-in resident of the village objects while the period runs."""
    require(actor, "publication.object", pub.village)
    if not pub.has_period:
        raise Conflict("no_period", "该记录不是公示，没有异议期。")
    if pub.status != "published":
        raise Conflict("not_open", "该记录已撤回或已被更正，不能再对这一版本提出异议。")
    state = period_state(pub)
    if state == "upcoming":
        raise Conflict("period_not_started", "公示期从%(start)s开始，届时才能提出异议。",
                                start=pub.period_start.isoformat())
    if state == "ended":
        raise Conflict("period_ended", "公示期已于%(end)s结束，不能再提出异议。", end=pub.period_end.isoformat())
    text = clean_text(text, "objection", "异议内容", MAX_TEXT)
    if len(text) < MIN_TEXT:
        raise ValidationError("objection_too_short", "异议内容至少%(limit)s个字。", limit=MIN_TEXT)
    mine = Objection.select().where((Objection.publication == pub) & (Objection.author == actor)).count()
    if mine >= MAX_PER_PERSON:
        raise Conflict("too_many_objections", "每人对同一公示最多提出%(limit)s条异议。", limit=MAX_PER_PERSON)
    with transaction():
        obj = Objection.create(publication=pub, author=actor, text=text, text_masked=mask(text))
        record(actor, "publication.objection", "objection", obj.id,
                     {"id": obj.id, "publication": pub.id, "text": obj.text_masked})
    return obj


def moderate(actor, obj, show, note=""):
    """A supervisor lets an objection through (shown) or keeps an abusive one out (rejected)."""
    require(actor, "publication.moderate", obj.publication.village)
    if obj.author_id == actor.id:
        raise Conflict("own_objection", "不能审核自己提出的异议。")
    if obj.status != "pending":
        raise Conflict("already_moderated", "该异议已经审核过。")
    note = clean_text(note, "note", "审核说明", 500)
    if not show and not note:
        raise ValidationError("missing_note", "不予公开时请填写理由。")
    with transaction():
        obj.status = "shown" if show else "rejected"
        obj.moderated_by = actor
        obj.moderated_at = utcnow()
        obj.moderation_note = mask(note)
        obj.save()
        record(actor, "publication.objection_moderate", "objection", obj.id,
                     {"id": obj.id, "status": obj.status, "note": obj.moderation_note})
        if show:  # the public count of unanswered objections moves (the dashboard follows)
            events.emit("public.changed", doc_type="objection", object_id=str(obj.id))
    return obj


def answer(actor, obj, text):
    """The clerk's public answer beside a shown objection (once; the answer is a record too)."""
    require(actor, "publication.answer", obj.publication.village)
    if obj.status != "shown":
        raise Conflict("not_shown", "只能答复已审核公开的异议。")
    if obj.answered_at is not None:
        raise Conflict("already_answered", "该异议已经答复。")
    text = clean_text(text, "answer", "答复", MAX_TEXT, required=True)
    with transaction():
        obj.answer = mask(text)
        obj.answered_by = actor
        obj.answered_at = utcnow()
        obj.save()
        record(actor, "publication.objection_answer", "objection", obj.id,
                     {"id": obj.id, "answer": obj.answer})
        events.emit("public.changed", doc_type="objection", object_id=str(obj.id))
    return obj


def public_objections(pub):
    return list(pub.objections.where(Objection.status == "shown").order_by(Objection.created_at, Objection.id))


def outcome(pub):
    """What the page says about the period: counts and whether anything is left unanswered."""
    shown = public_objections(pub)
    unanswered = [o for o in shown if o.answered_at is None]
    pending = pub.objections.where(Objection.status == "pending").count()
    return {"state": period_state(pub), "shown": len(shown), "unanswered": len(unanswered),
            "pending": pending, "answered": len(shown) - len(unanswered)}
