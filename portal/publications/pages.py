"""Public pages: a village's list with filters, a record with its history, the
print view, QR code, attachments, the power list and publication duties.

Pages read only masked columns; drafts are shown to the village's staff only.
"""
from urllib.parse import quote

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.routing import ascii_int
from portal.core.clock import EARLIEST, LATEST, parse_date, today
from portal.core.errors import PortalError
from portal.core.permissions import can
from portal.publications import duties, objections, powers, services
from portal.publications.blueprint import bp
from portal.publications.categories import CATEGORIES, POWER_CATEGORIES, PUBLIC_STATUSES, STATUSES
from portal.publications.diffing import version_diff
from portal.publications.forms import (ActionForm, ModerateForm, ReasonForm, TextForm,
                                       StepForm, UploadForm)
from portal.publications.models import Attachment, Objection, PowerItem, Publication, StepRecord
from portal.core.qr import qr_svg
from portal.publications.queries import (first_published_query, page_of, public_query, superseded_by,
                                         unanswered_objections_query, versions_of, years_of)
from portal.publications.serialize import masking_preview
from portal.search.service import refusal_for
from portal.units.models import Unit
from portal.units.services import villages_of
from portal.units.views import area_or_404, village_or_404


def readable(pub_id):
    try:
        return services.visible_publication(current_user, pub_id)
    except PortalError:
        abort(404)


def public_or_404(pub_id):
    """A record that has been made public; a draft has no notice to print or QR code to post."""
    pub = readable(pub_id)
    if not pub.is_public:
        abort(404)
    return pub


@bp.get("/v/<code>/publications")
def village_list(code):
    """A village's public records, filtered by category, year and status (bad filters are ignored)."""
    village = village_or_404(code)
    category = request.args.get("category") if request.args.get("category") in CATEGORIES else None
    status = request.args.get("status") if request.args.get("status") in PUBLIC_STATUSES else None
    year = request.args.get("year", "")
    year = ascii_int(year)
    year = year if year and EARLIEST.year <= year <= LATEST.year else None
    page = request.args.get("page", "1")
    page = ascii_int(page)
    page = page if page and page < 10000 else 1
    rows, total = page_of(public_query(village, category, year, status), page)
    return render_template("publications/list.html", village=village, rows=rows, total=total, page=page,
                           category=category, status=status, year=year, years=years_of(village),
                           categories=CATEGORIES, statuses={k: STATUSES[k] for k in PUBLIC_STATUSES},
                           all_statuses=STATUSES)


@bp.get("/t/<code>/publications")
def area_list(code):
    """A township's or the county's new records (first versions) first made public from ``?first_from=``
    (a date; default this year's first day) to today, newest first: what 本月公开 / 本年公开 count; a
    village's own the same way; 404 for any other code."""
    unit = area_or_404(code, village_too=True)
    try:
        first = parse_date(request.args.get("first_from") or None, "first_from", "first_from")
    except PortalError:
        first = None
    first = first or today().replace(month=1, day=1)
    page = ascii_int(request.args.get("page", "1"))
    page = page if page and page < 10000 else 1
    villages = {u.code: u for u in Unit.select().where(Unit.code.in_(unit.village_codes()))}
    rows, total = page_of(first_published_query(list(villages), first, today()), page)
    return render_template("publications/area_list.html", unit=unit, villages=villages, rows=rows, total=total,
                           page=page, first=first, categories=CATEGORIES, all_statuses=STATUSES)


@bp.get("/t/<code>/objections")
def area_objections(code):
    """A township's or the county's objections shown to the public and not yet answered, oldest first,
    each with its record: what 异议未答复 counts; 404 for any other code."""
    unit = area_or_404(code)
    villages = {u.code: u for u in Unit.select().where(Unit.code.in_(unit.village_codes()))}
    rows = list(unanswered_objections_query(list(villages)))
    return render_template("publications/area_objections.html", unit=unit, villages=villages, rows=rows)


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
    """An A4 notice for the village board: masked text, QR code and audit index; 404 for drafts."""
    pub = public_or_404(pub_id)
    return render_template("publications/print.html", pub=pub, categories=CATEGORIES, statuses=STATUSES,
                           attachments=list(pub.attachments.order_by(Attachment.id)),
                           page_url=url_for("publications.detail", pub_id=pub.id, _external=True))


@bp.get("/p/<int:pub_id>/qr.svg")
def qr(pub_id):
    """The QR code (SVG) of the record's page; 404 for drafts."""
    pub = public_or_404(pub_id)
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


def describe_entry(entry):
    """The audit page's words for a publication, objection or step entry: its village and record.

    A record not (yet) public is named only as a draft, so the log page reveals
    nothing the record page would not.
    """
    if entry.object_type == "power":
        power = PowerItem.get_or_none(PowerItem.code == entry.object_id)
        return power and {"village": None, "title": power.name,
                          "url": url_for("publications.power_detail", code=power.code)}
    if entry.object_type == "duty_rule":
        return {"village": None, "title": _("公开责任规则"), "url": None}
    object_id = int(entry.object_id)
    if entry.object_type == "publication":
        pub = Publication.get_or_none(Publication.id == object_id)
    elif entry.object_type == "objection":
        obj = Objection.get_or_none(Objection.id == object_id)
        pub = obj.publication if obj else None
    elif entry.object_type == "publication_step":
        step = StepRecord.get_or_none(StepRecord.id == object_id)
        pub = step.publication if step else None
    else:
        return None
    if pub is None:
        return None
    if not pub.is_public:
        return {"village": pub.village, "title": _("一份草稿（尚未公开）"), "url": None}
    return {"village": pub.village, "title": f"《{pub.title_masked}》",
            "url": url_for("publications.detail", pub_id=pub.id)}


def linkable(village):
    """The village's current public records (no superseded or withdrawn versions) a meeting may be about."""
    return [(str(p.id), p.title_masked) for p in public_query(village=village, status="published").limit(50)]


def link_url(object_id):
    """Where a resident reads a linked record."""
    return url_for("publications.detail", pub_id=int(object_id))
