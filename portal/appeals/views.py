"""Appeal pages: a village's appeals, filing on a phone, the public timeline with rating and the
handler's steps, following with a receipt, the handler's list by deadline, statistics."""
import uuid

from flask import Blueprint, abort, redirect, render_template, request, session, url_for, Response
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.appeals import limits, services, stats
from portal.appeals.forms import FileForm, FollowForm, RateForm, StepForm
from portal.appeals.models import Appeal, AppealPhoto
from portal.core.clock import local_text, parse_date, utcnow
from portal.core.errors import PortalError
from portal.core.forms import Done, submit
from portal.core.permissions import can
from portal.units.models import Unit
from portal.units.views import village_or_404

bp = Blueprint("appeals", __name__)
RECEIPTS = "appeal_receipts"  # session: appeal id -> receipt this browser filed or opened
STEP_LABELS = {
    "accept": "受理", "reject": "不予受理", "duplicate": "重复诉求", "not_ours": "非本级职责",
    "dispatch": "分办", "transfer": "转办", "start": "开始办理", "wait": "等待群众补充", "resume": "继续办理",
    "escalate": "吹哨上报", "report": "部门报到", "reply": "答复", "close": "办结", "reopen": "重新办理",
}
STEPS_BY_STATE = {
    "submitted": ["accept", "reject", "duplicate", "not_ours"],
    "accepted": ["dispatch", "reply", "escalate"],
    "reopened": ["dispatch", "reply", "escalate"],
    "escalated": ["dispatch", "reply", "report", "escalate"],
    "dispatched": ["start", "reply", "transfer", "escalate"],
    "in_progress": ["reply", "wait", "transfer", "escalate"],
    "waiting": ["resume"],
    "replied": ["close", "reopen"],
    "fixed": ["reopen"],
    "closed_unfixed": ["reopen"],
}


def _appeal(appeal_id):
    try:
        return services.get(appeal_id)
    except PortalError:
        abort(404)


def _remember_receipt(appeal_id, receipt):
    kept = dict(session.get(RECEIPTS) or {})
    kept[str(appeal_id)] = receipt
    session[RECEIPTS] = dict(list(kept.items())[-20:])


@bp.get("/v/<code>/appeals")
def village_list(code):
    """A village's appeals: open ones first (overdue marked), then the recent closed ones, and its figures."""
    village = village_or_404(code)
    rows = list(Appeal.select().where(Appeal.village == village.code).order_by(Appeal.id.desc()).limit(60))
    open_rows = [r for r in rows if r.state in services.OPEN + ("replied",)]
    done_rows = [r for r in rows if r not in open_rows][:20]
    return render_template("appeals/list.html", village=village, open_rows=open_rows, done_rows=done_rows,
                           figures=stats.compute(village), now=utcnow(), **_helpers())


def _helpers():
    return {"states": services.STATES, "category_name": services.category_name, "local_text": local_text,
            "is_overdue": services.is_overdue, "mask": services.mask}


@bp.route("/v/<code>/appeals/new", methods=["GET", "POST"])
def new(code):
    """The filing form: anyone, signed in or not; a grid worker may file for a resident (代办)."""
    village = village_or_404(code)
    form = FileForm()
    grids = list(Unit.select().where((Unit.parent == village.code) & (Unit.level == "grid")).order_by(Unit.sort_order))
    form.grid.choices = [("", _("不清楚"))] + [(g.code, g.name) for g in grids]
    may_file_for = current_user.is_authenticated and current_user.role == "handler" and any(
        can(current_user, "appeal.file_for", unit) for unit in [village] + grids)
    if request.method == "GET":
        form.idempotency_key.data = uuid.uuid4().hex
        if request.args.get("grid"):
            form.grid.data = request.args.get("grid")

    def write():
        behalf = None
        if may_file_for and (form.behalf_name.data or "").strip():
            behalf = {"name": form.behalf_name.data, "phone": form.behalf_phone.data}
        photos = [(f.filename, f.read()) for f in request.files.getlist("photos") if f and f.filename]
        grid = form.grid.data or None
        if behalf and grid is None and current_user.unit is not None and current_user.unit.parent_id == village.code:
            grid = current_user.unit_id  # a grid worker's 代办 is in his own grid unless he says otherwise
        row, receipt, _repeated = services.file_appeal(
            village.code, form.category.data, form.text.data, grid_code=grid,
            urgent=form.urgent.data, place=form.place.data, user=current_user, on_behalf=behalf, photos=photos,
            idempotency_key=form.idempotency_key.data or None)
        if receipt:
            _remember_receipt(row.id, receipt)
            session["appeal_new_receipt"] = receipt
        return Done(_("已提交，我们会在时限内受理。"), url_for("appeals.detail", appeal_id=row.id))

    done, status = submit(form, write)
    if done:
        return done
    return render_template("appeals/new.html", village=village, form=form, may_file_for=may_file_for), status


def _staff_steps(row):
    if not current_user.is_authenticated:
        return []
    steps = []
    for name in STEPS_BY_STATE.get(row.state, []):
        step = services.APPEAL.transition_named("close_unfixed" if name == "close" and row.outcome == "unfixed"
                                                else name)
        if can(current_user, step.action, row.holder):
            steps.append(name)
    return steps


def _dispatch_choices(row):
    units = (Unit.select().where(Unit.path.startswith(row.holder.path) & (Unit.level != "county"))
             .order_by(Unit.path).limit(80))
    return [(u.code, f"{u.level_name} · {u.name}") for u in units]


def _transfer_choices(row):
    township = row.village.parent or row.village
    units = Unit.select().where(Unit.path.startswith(township.path)).order_by(Unit.path).limit(80)
    return [(u.code, f"{u.level_name} · {u.name}") for u in units]


@bp.get("/appeals/<int:appeal_id>")
def detail(appeal_id):
    """The public timeline; the filer (signed in, or holding the receipt) may rate; handlers in scope act."""
    row = _appeal(appeal_id)
    view = services.public_view(row)
    receipt = (session.get(RECEIPTS) or {}).get(str(row.id))
    may_rate = row.state == "replied" and (services.is_filer(row, current_user) or receipt is not None)
    steps = _staff_steps(row)
    step_form = StepForm()
    choices = {"dispatch": _dispatch_choices(row) if "dispatch" in steps else [],
               "transfer": _transfer_choices(row) if "transfer" in steps else []}
    staff_view = bool(steps) or (current_user.is_authenticated and can(current_user, "appeal.handle", row.holder))
    return render_template("appeals/detail.html", row=row, view=view, may_rate=may_rate, receipt=receipt,
                           new_receipt=session.pop("appeal_new_receipt", None), rate_form=RateForm(),
                           steps=steps, step_form=step_form, step_labels=STEP_LABELS, choices=choices,
                           staff_view=staff_view, **_helpers())


@bp.post("/appeals/<int:appeal_id>/rate")
def rate(appeal_id):
    """The filer's rating; a refusal (second rating, wrong receipt) returns to the page with the reason."""
    row = _appeal(appeal_id)
    form = RateForm()
    back = url_for("appeals.detail", appeal_id=row.id)

    def write():
        receipt = form.receipt.data or (session.get(RECEIPTS) or {}).get(str(row.id))
        services.rate(row.id, form.satisfied.data, user=None if receipt else current_user, receipt=receipt,
                      comment=form.comment.data, address=request.remote_addr or "")
        return _("感谢您的评价。")

    return submit(form, write, back, back)[0]


@bp.post("/appeals/<int:appeal_id>/act/<action>")
@login_required
def act(appeal_id, action):
    """A handler's step from the appeal's page (scope and state checked by the service)."""
    row = _appeal(appeal_id)
    if action not in services.STAFF_ACTIONS:
        abort(404)
    form = StepForm()
    form.to.choices = _dispatch_choices(row) + _transfer_choices(row)
    back = url_for("appeals.detail", appeal_id=row.id)

    def write():
        data = {"note": form.note.data, "to": form.to.data, "department": form.department.data,
                "outcome": form.outcome.data}
        if action == "duplicate":
            data["to"] = request.form.get("original")
        if action == "escalate":
            data["departments"] = [d for d in (form.department.data or "").replace("，", ",").split(",") if d.strip()]
        if action == "reply":
            data["photos"] = [(f.filename, f.read()) for f in request.files.getlist("photos") if f and f.filename]
        services.staff_act(current_user, row.id, action, data)
        return _("已%(step)s。", step=_(STEP_LABELS[action]))

    return submit(form, write, back, back)[0]


@bp.route("/appeals/follow", methods=["GET", "POST"])
def follow():
    """Follow an anonymous appeal with its receipt code (wrong codes rate-limited)."""
    form = FollowForm()

    def write():
        row = services.find_by_receipt(form.receipt.data, request.remote_addr or "")
        _remember_receipt(row.id, form.receipt.data.strip().replace(" ", ""))
        return Done("", url_for("appeals.detail", appeal_id=row.id))

    done, status = submit(form, write)
    if done:
        return done
    return render_template("appeals/follow.html", form=form), status


@bp.get("/appeals/photos/<int:photo_id>.jpg")
def photo(photo_id):
    """A photo as re-encoded on upload (no EXIF, no location)."""
    found = AppealPhoto.get_or_none(AppealPhoto.id == photo_id)
    if found is None:
        abort(404)
    return Response(bytes(found.data), mimetype="image/jpeg", headers={"Cache-Control": "public, max-age=86400"})


@bp.get("/appeals/mine")
@login_required
def mine():
    """The handler's appeals by deadline: overdue first, then the soonest; two taps to accept or reply."""
    if not can(current_user, "appeal.handle"):
        abort(403)
    rows = list(services.holders_for(current_user).limit(200))
    now = utcnow()
    rows.sort(key=lambda r: (not services.is_overdue(r, now), r.state == "replied", r.due_at))
    return render_template("appeals/mine.html", rows=rows, now=now, step_labels=STEP_LABELS,
                           first_step={r.id: (STEPS_BY_STATE.get(r.state) or [None])[0] for r in rows},
                           step_form=StepForm(), **_helpers())


@bp.get("/appeals/stats/<code>")
def stats_page(code):
    """Figures for a unit with its sub-units ranked (only above the minimum count) and a chart."""
    unit = Unit.get_or_none(Unit.code == code)
    if unit is None:
        abort(404)
    try:
        first = parse_date(request.args.get("from"), "from", "开始日期")
        last = parse_date(request.args.get("to"), "to", "结束日期")
    except PortalError:
        first = last = None
    figures = stats.compute(unit, first, last)
    children = stats.ranking(unit, first, last) if unit.level in ("county", "township", "village") else []
    return render_template("appeals/stats.html", unit=unit, figures=figures, children=children,
                           first=first, last=last, categories=limits.CATEGORIES)
