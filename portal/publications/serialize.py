"""Public JSON of a publication: masked columns only, never ``title``/``body``.

The API, feeds and search all go through these functions, so the rule "the
unmasked text never leaves" lives in one place.
"""
from flask import url_for

from portal.publications import objections as objection_service
from portal.core.money import amount_text
from portal.publications.categories import CATEGORIES, POWER_CATEGORIES, STATUSES
from portal.core.clock import date_text, iso
from portal.core.personal_data import find_personal_data
from portal.publications.powers import flow_for
from portal.publications.queries import superseded_by, versions_of
from portal.core.markdown import render_markdown


def page_url(pub):
    return url_for("publications.detail", pub_id=pub.id, _external=True)


def brief(pub):
    return {
        "id": pub.id, "title": pub.title_masked, "village": pub.village_id, "category": pub.category,
        "category_name": CATEGORIES.get(pub.category), "power": pub.power_id, "status": pub.status,
        "status_name": STATUSES.get(pub.status), "version": pub.version, "series": pub.series,
        "period_start": date_text(pub.period_start), "period_end": date_text(pub.period_end),
        "published_at": iso(pub.published_at), "audit_index": pub.audit_index, "url": page_url(pub),
        "amount": amount_text(pub.amount), "decided_on": date_text(pub.decided_on),
    }


def objection_dict(obj):
    return {"id": obj.id, "text": obj.text_masked, "created_at": iso(obj.created_at),
            "answer": obj.answer or None, "answered_at": iso(obj.answered_at),
            "unanswered": obj.answered_at is None}


def attachment_dict(att):
    return {"id": att.id, "filename": att.filename, "mime": att.mime, "size": att.size, "sha256": att.sha256,
            "url": url_for("publications.attachment", pub_id=att.publication_id, att_id=att.id, _external=True)}


def public_dict(pub, include_drafts=False):
    """The full public view of one version (API ``GET /api/v1/publications/<id>``)."""
    later = superseded_by(pub)
    out = brief(pub)
    out.update({
        "village_name": pub.village.name,
        "power_name": pub.power.name if pub.power_id else None,
        "power_category": pub.power.category if pub.power_id else None,
        "power_category_name": POWER_CATEGORIES.get(pub.power.category) if pub.power_id else None,
        "body": pub.body_masked,
        "body_html": render_markdown(pub.body_masked),
        "correction_note": pub.correction_note or None,
        "supersedes": pub.supersedes_id,
        "superseded_by": later.id if later else None,
        "withdrawn_at": iso(pub.withdrawn_at),
        "withdraw_reason": pub.withdraw_reason or None,
        "withdraw_audit_index": pub.withdraw_audit_index,
        "versions": [{"id": v.id, "version": v.version, "status": v.status, "published_at": iso(v.published_at),
                      "url": page_url(v)} for v in versions_of(pub, include_drafts)],
        "attachments": [attachment_dict(a) for a in pub.attachments.order_by(pub.attachments.model.id)],
        "period": objection_service.outcome(pub) if pub.has_period and pub.is_public else None,
        "objections": [objection_dict(o) for o in objection_service.public_objections(pub)],
        "steps": [{"position": f["step"].position, "name": f["step"].name, "role": f["step"].role,
                   "limit_days": f["step"].limit_days, "state": f["state"],
                   "done_on": date_text(f["record"].done_on) if f["record"] else None} for f in flow_for(pub)],
        "qr": url_for("publications.qr", pub_id=pub.id, _external=True),
        "print": url_for("publications.print_view", pub_id=pub.id, _external=True),
    })
    return out


def masking_preview(pub):
    """What masking hid in a draft: kind and masked form only (the clerk typed the rest).

    ``mistyped`` flags an ID number whose check digit is wrong: it is masked all the
    same (it is still someone's ID number, one digit off), and the clerk is told so."""
    found = find_personal_data(pub.title) + find_personal_data(pub.body)
    return [{"kind": f["kind"], "kind_name": f["kind_name"], "masked": f["masked"],
             "mistyped": not f.get("checksum_ok", True)} for f in found]


def staff_dict(pub):
    """A draft as its clerk and supervisors see it through the API (still masked)."""
    out = public_dict(pub, include_drafts=True)
    out.update({"review_note": pub.review_note or None, "masking": masking_preview(pub)})
    return out
