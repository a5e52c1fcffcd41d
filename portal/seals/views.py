"""Seal pages: the village's register and use log (with filters), a seal's page with its handovers,
the certificate list residents read, and the clerk's quick 登记用章 form and register forms."""
import uuid

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.core.api import pages_for
from portal.core.clock import local_text, parse_date, today
from portal.core.errors import PortalError
from portal.core.forms import ButtonForm, Done, submit
from portal.core.permissions import can
from portal.core.records import get_row
from portal.meetings import links, services as meetings
from portal.seals import certificates, services
from portal.seals.forms import HandoverForm, SealForm, StatusForm, UseForm
from portal.seals.models import SealHandover
from portal.seals.naming import surname_only
from portal.seals.vocab import MATTERS, SEAL_KINDS, SEAL_STATES, VOTE_MEETING_KINDS
from portal.units.models import Unit
from portal.units.views import area_or_404, village_or_404

bp = Blueprint("seals", __name__)
PER_PAGE = 30


def _filters():
    """The log's filters from the query string; a bad date is ignored (shown as not applied)."""
    def day(name):
        try:
            return parse_date(request.args.get(name) or None, name, name)
        except PortalError:
            return None
    seal = request.args.get("seal", "")
    return {"seal": int(seal) if seal.isdigit() and len(seal) < 16 else None, "from": day("from"), "to": day("to"),
            "certificate": request.args.get("certificate") == "1", "out": request.args.get("out") == "1",
            "not_back": request.args.get("not_back") == "1", "q": (request.args.get("q") or "").strip()[:50]}


def _page():
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < 100000 else 1


@bp.get("/v/<code>/seals")
def village_log(code):
    """The village's seal register and its use log, newest first, filtered and paged."""
    village = village_or_404(code)
    f = _filters()
    page = _page()
    filters = (village, f["seal"], f["from"], f["to"], f["certificate"], f["out"], f["q"])
    query = services.uses_query(*filters, columns=services.LOG_COLUMNS, not_back=f["not_back"])
    total = services.uses_query(*filters, with_seal=False, not_back=f["not_back"]).order_by().count()
    uses = list(query.paginate(page, PER_PAGE))
    args = {k: v for k, v in request.args.items() if k not in ("page", "lang")}
    return render_template("seals/village.html", village=village, seals=services.seals_of(village), uses=uses,
                           f=f, page=page, pages=pages_for(total, PER_PAGE), total=total, args=args,
                           may_record=can(current_user, "seal.use", village), button=ButtonForm(),
                           kinds=SEAL_KINDS, states=SEAL_STATES, matters=MATTERS, surname_only=surname_only,
                           local_text=local_text, cert_kinds=certificates.KINDS)


@bp.get("/t/<code>/seals")
def area_log(code):
    """A township's or the county's seal use log (every village under it, newest first, the village's
    filters but the seal) and its seals in use per village; 404 for any other code."""
    unit = area_or_404(code)
    f = _filters()
    page = _page()
    villages = {u.code: u for u in Unit.select().where(Unit.code.in_(unit.village_codes()))}
    filters = dict(start=f["from"], end=f["to"], certificate_only=f["certificate"], out_only=f["out"], q=f["q"],
                   villages=list(villages), not_back=f["not_back"])
    query = services.uses_query(columns=services.LOG_COLUMNS + (services.U.village,), **filters)
    total = services.uses_query(with_seal=False, **filters).order_by().count()
    uses = list(query.paginate(page, PER_PAGE))
    in_use = services.seals_in_use_by_village(list(villages))
    args = {k: v for k, v in request.args.items() if k not in ("page", "lang")}
    return render_template("seals/area.html", unit=unit, villages=villages, in_use=in_use, uses=uses, f=f,
                           page=page, pages=pages_for(total, PER_PAGE), total=total, args=args,
                           surname_only=surname_only, local_text=local_text, cert_kinds=certificates.KINDS)


@bp.get("/seals/seal/<int:seal_id>")
def seal_page(seal_id):
    """One seal: keeper, approver, status with date and reason, every handover with its impression."""
    try:
        seal = get_row(services.SEAL, seal_id)
    except PortalError:
        abort(404)
    handovers = list(seal.handovers.order_by(SealHandover.id.desc()))
    recent = list(services.uses_query(seal=seal.id).limit(10))
    return render_template("seals/seal.html", seal=seal, village=seal.village, handovers=handovers, recent=recent,
                           kinds=SEAL_KINDS, states=SEAL_STATES, manage=can(current_user, "seal.register", seal.village))


@bp.get("/seals/handovers/<int:handover_id>/impression.jpg")
def impression(handover_id):
    """The impression image as re-encoded at upload (no EXIF, no location)."""
    row = SealHandover.get_or_none(SealHandover.id == handover_id)
    if row is None or not row.impression:
        abort(404)
    return Response(bytes(row.impression), mimetype="image/jpeg",
                    headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})


@bp.get("/certificates")
@bp.get("/v/<code>/certificates")
def certificate_list(code=None):
    """The 证明事项清单: what the village can certify, what a written commitment replaces, what it cannot."""
    village = village_or_404(code) if code else None
    unit = village or Unit.select().where(Unit.level == "county").order_by(Unit.code).first()
    entries = certificates.translated(certificates.list_for(unit)) if unit else []
    groups = [(kind, name, [e for e in entries if e["kind"] == kind]) for kind, name in certificates.KINDS.items()]
    return render_template("seals/certificates.html", village=village, groups=groups, basis=certificates.BASIS)


def _seal_choices(village):
    return [(s.id, f"{s.name}（{_(SEAL_STATES[s.state])}）") for s in services.seals_of(village, False)]


def _certificate_choices(village):
    out = [("", _("不是开具证明"))]
    for e in certificates.translated(certificates.list_for(village)):
        out.append((e["code"], f"{e['name']} · {e['kind_name']}"))
    return out


def _decision_choices(village):
    """The village's published notices and its 村民(代表)会议 that took place, newest first."""
    out = [("", _("无"))]
    _upcoming, live, past = meetings.meetings_of(village)
    for m in live + past:
        if m.kind in VOTE_MEETING_KINDS:
            out.append((f"meeting:{m.id}", f"{_('会议')} · {m.title}"))
    for value, title in links.choices_for(village):  # the publications domain offers its public records here
        if value.startswith("publication:"):
            out.append((value, f"{_('公开')} · {title}"))
    return out


@bp.route("/v/<code>/seals/record", methods=["GET", "POST"])
@login_required
def record(code):
    """The clerk's quick 登记用章 (phone first); a refusal re-shows the form with the reason, nothing written."""
    village = village_or_404(code)
    if not can(current_user, "seal.use", village):
        abort(403)
    form = UseForm()
    form.seal.choices = _seal_choices(village)
    form.certificate.choices = _certificate_choices(village)
    form.decision.choices = _decision_choices(village)
    if request.method == "GET":
        form.used_on.data = form.used_on.data or today()
        form.client_key.data = uuid.uuid4().hex  # a double tap on 登记 records once

    def write():
        use, _created = services.record_use_once(current_user, {
            "seal": form.seal.data, "used_on": form.used_on.data, "purpose": form.purpose.data,
            "document": form.document.data, "copies": form.copies.data, "applicant": form.applicant.data,
            "approver": form.approver.data, "handler": form.handler.data, "matter": form.matter.data,
            "certificate": form.certificate.data or "", "decision": form.decision.data or None,
            "left_office": form.left_office.data}, form.client_key.data)
        return Done(_("已登记用印（第%(id)s号），已公开。", id=use.id), url_for("seals.village_log", code=village.code))

    done, status = submit(form, write)
    if done:
        return done
    return render_template("seals/record.html", village=village, form=form), status


@bp.post("/seals/uses/<int:use_id>/return")
@login_required
def returned(use_id):
    """The seal taken out for a use came back (button on the log for the clerk)."""
    form = ButtonForm()
    try:
        use = get_row(services.SEAL_USE, use_id)
    except PortalError:
        abort(404)
    to = url_for("seals.village_log", code=use.village_id, out="1")
    done, _status = submit(form, lambda: services.return_seal(current_user, use_id) and _("已登记印章归还。"),
                           done_to=to, refused_to=to)
    return done


@bp.route("/v/<code>/seals/manage", methods=["GET", "POST"])
@login_required
def manage(code):
    """Register a new seal (the register's clerk form)."""
    village = village_or_404(code)
    if not can(current_user, "seal.register", village):
        abort(403)
    form = SealForm()

    def write():
        seal = services.register_seal(current_user, village.code, {
            "name": form.name.data, "kind": form.kind.data, "keeper": form.keeper.data,
            "approver": form.approver.data})
        return Done(_("印章已登记。"), url_for("seals.seal_page", seal_id=seal.id))

    done, status = submit(form, write)
    if done:
        return done
    return render_template("seals/manage.html", village=village, form=form), status


@bp.route("/seals/seal/<int:seal_id>/change", methods=["GET", "POST"])
@login_required
def change(seal_id):
    """Change a seal's status, or hand it over to a new keeper with the impression image."""
    try:
        seal = get_row(services.SEAL, seal_id)
    except PortalError:
        abort(404)
    if not can(current_user, "seal.register", seal.village):
        abort(403)
    status_form = StatusForm(prefix="status")
    handover_form = HandoverForm(prefix="handover")
    to = url_for("seals.seal_page", seal_id=seal.id)
    status = 200
    if request.method == "POST" and request.form.get("which") == "handover":
        def write():
            data = {"to_keeper": handover_form.to_keeper.data, "witness": handover_form.witness.data,
                    "handed_on": handover_form.handed_on.data}
            upload = handover_form.impression.data
            if upload is not None and getattr(upload, "filename", ""):
                data["impression"] = (upload.filename, upload.read())
            services.change_seal(current_user, seal.id, "handover", data)
            return _("已登记移交，%(name)s为新的保管人。", name=handover_form.to_keeper.data)
        done, status = submit(handover_form, write, done_to=to)
    elif request.method == "POST":
        def write():
            services.change_seal(current_user, seal.id, status_form.step.data,
                                 {"date": status_form.date.data, "reason": status_form.reason.data})
            return _("印章状态已变更。")
        done, status = submit(status_form, write, done_to=to)
    else:
        done = None
    if done:
        return done
    return render_template("seals/change.html", seal=seal, village=seal.village, status_form=status_form,
                           handover_form=handover_form, states=SEAL_STATES), status


def village_section(village):
    """The village page's 公章使用: the latest uses."""
    rows = services.uses_query(village).limit(5)
    return [{"title": f"{u.seal.name} · {u.document}", "url": url_for("records.page", type_name="seal_use",
                                                                      record_id=u.id),
             "meta": f"{u.used_on.isoformat()} · {u.purpose} · {u.copies}{_('份')}"} for u in rows]
