"""Public pages: a village's list with filters, a record with its history, the
print view, QR code, attachments, the power list and publication duties.

Pages read only masked columns; drafts are shown to the village's staff only.
"""
from urllib.parse import quote

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user

from portal.core.errors import PortalError
from portal.core.permissions import can
from portal.publications import duties, objections, powers, services
from portal.publications.blueprint import bp
from portal.publications.categories import CATEGORIES, POWER_CATEGORIES, PUBLIC_STATUSES, STATUSES
from portal.publications.diffing import version_diff
from portal.publications.forms import (ActionForm, ModerateForm, ReasonForm, TextForm,
                                       StepForm, UploadForm)
from portal.publications.models import Attachment, Objection, PowerItem
from portal.core.qr import qr_svg
from portal.publications.queries import page_of, public_query, superseded_by, versions_of, years_of
from portal.publications.serialize import masking_preview
from portal.search.service import refusal_for
from portal.units.models import Unit
from portal.units.services import villages_of
from portal.units.views import village_or_404


def readable(pub_id):
    try:
        return services.visible_publication(current_user, pub_id)
    except PortalError:
        abort(404)


@bp.get("/v/<code>/publications")
def village_list(code):
    """A village's public records, filtered by category, year and status (bad filters are ignored)."""
    village = village_or_404(code)
    category = request.args.get("category") if request.args.get("category") in CATEGORIES else None
    status = request.args.get("status") if request.args.get("status") in PUBLIC_STATUSES else None
    year = request.args.get("year", "")
    year = int(year) if year.isdigit() and len(year) == 4 else None
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 10000 else 1
    rows, total = page_of(public_query(village, category, year, status), page)
    return render_template("publications/list.html", village=village, rows=rows, total=total, page=page,
                           category=category, status=status, year=year, years=years_of(village),
                           categories=CATEGORIES, statuses={k: STATUSES[k] for k in PUBLIC_STATUSES},
                           all_statuses=STATUSES)


@bp.get("/p/<int:pub_id>")
def detail(pub_id):
    """One version with history, diff, objections, power steps and its audit proof; 404 for others' drafts."""
    pub = readable(pub_id)
    staff = services.can_view_draft(current_user, pub)
    previous = pub.supersedes if pub.supersedes_id else None
    ctx = {
        "pub": pub, "village": pub.village, "staff": staff,
        "versions": versions_of(pub, include_drafts=staff), "later": superseded_by(pub),
        "diff": version_diff(previous, pub) if previous else None, "previous": previous,
        "attachments": list(pub.attachments.order_by(Attachment.id)),
        "objections": objections.public_objections(pub), "outcome": objections.outcome(pub) if pub.has_period else None,
        "flow": powers.flow_for(pub), "categories": CATEGORIES, "statuses": STATUSES,
        "power_categories": POWER_CATEGORIES,
        "can_object": pub.status == "published" and objections.period_state(pub) == "running"
        and can(current_user, "publication.object", pub.village),
    }
    if staff:
        ctx.update(_staff_context(pub))
    ctx["objection_form"] = TextForm()
    return render_template("publications/detail.html", **ctx)


def _staff_context(pub):
    step_form = StepForm()
    if pub.power_id:
        step_form.step.choices = [(str(s.id), f"{s.position}. {s.name}") for s in powers.steps_of(pub.power_id)]
    return {
        "masking": masking_preview(pub), "search_refusal": refusal_for("publication", pub.id),
        "action_form": ActionForm(), "reason_form": ReasonForm(),
        "upload_form": UploadForm(), "step_form": step_form, "moderate_form": ModerateForm(),
        "answer_form": TextForm(),
        "pending": list(pub.objections.where(Objection.status == "pending").order_by(Objection.id)),
    }


@bp.get("/p/<int:pub_id>/print")
def print_view(pub_id):
    """An A4 notice for the village board: masked text, QR code and audit index."""
    pub = readable(pub_id)
    return render_template("publications/print.html", pub=pub, categories=CATEGORIES, statuses=STATUSES,
                           attachments=list(pub.attachments.order_by(Attachment.id)),
                           page_url=url_for("publications.detail", pub_id=pub.id, _external=True))


@bp.get("/p/<int:pub_id>/qr.svg")
def qr(pub_id):
    """The QR code (SVG) of the record's page."""
    pub = readable(pub_id)
    svg = qr_svg(url_for("publications.detail", pub_id=pub.id, _external=True))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


def _attachment(pub_id, att_id):
    pub = readable(pub_id)
    att = Attachment.get_or_none((Attachment.id == att_id) & (Attachment.publication == pub))
    if att is None:
        abort(404)
    return att


@bp.get("/p/<int:pub_id>/attachments/<int:att_id>")
def attachment(pub_id, att_id):
    """The attachment's bytes with the type read from its content at upload."""
    att = _attachment(pub_id, att_id)
    disposition = "inline" if att.mime != "application/pdf" else "attachment"
    return Response(bytes(att.data), mimetype=att.mime, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(att.filename)}",
        "Content-Security-Policy": "default-src 'none'; sandbox"})


@bp.get("/p/<int:pub_id>/attachments/<int:att_id>/thumb")
def thumbnail(pub_id, att_id):
    """An image attachment's JPEG thumbnail; 404 for PDFs."""
    att = _attachment(pub_id, att_id)
    if att.thumbnail is None:
        abort(404)
    return Response(bytes(att.thumbnail), mimetype="image/jpeg")


@bp.get("/v/<code>/powers")
def village_powers(code):
    """The power list with how often this village exercised each power in public records."""
    village = village_or_404(code)
    items = [(p, len(powers.records_for_power(p, village))) for p in powers.power_list()]
    return render_template("publications/powers.html", village=village, items=items,
                           power_categories=POWER_CATEGORIES)


@bp.get("/powers/<code>")
def power_detail(code):
    """One power: its steps as a flowchart, and the records exercising it (of ?village=CODE)."""
    power = PowerItem.get_or_none(PowerItem.code == code)
    if power is None:
        abort(404)
    village = Unit.find(request.args.get("village"), "village")
    records = [(r, powers.flow_for(r)) for r in powers.records_for_power(power, village)[:50]]
    return render_template("publications/power.html", power=power, steps=powers.steps_of(power),
                           village=village, records=records, power_categories=POWER_CATEGORIES)


@bp.get("/v/<code>/duties")
def village_duties(code):
    """A village's publication duties: met, due or overdue."""
    village = village_or_404(code)
    return render_template("publications/duties.html", village=village, duties=duties.duty_status(village))


@bp.get("/u/<code>/duties")
def township_duties(code):
    """The township overview: every village's duties side by side."""
    township = Unit.get_or_none((Unit.code == code) & (Unit.level == "township"))
    if township is None:
        abort(404)
    villages = villages_of(township)
    table = [(v, duties.duty_status(v)) for v in villages]
    return render_template("publications/township_duties.html", township=township, villages=villages,
                           table=table)
