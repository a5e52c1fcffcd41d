"""Pages: a project with its timeline, bids, opening, contract and payments; village and township lists."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.core.api import localized, pages_for
from portal.core.clock import local_text
from portal.core.errors import PortalError
from portal.core.money import yuan_text
from portal.core.permissions import can
from portal.core.personal_data import mask
from portal.core.records import get_row
from portal.projects import flags, queries, services
from portal.projects.models import Amendment, Milestone, Payment
from portal.projects.settings import PROCEDURES
from portal.units.models import Unit
from portal.units.views import village_or_404

bp = Blueprint("projects", __name__)


def _page_arg():
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100000 else 1


@bp.get("/projects/<int:project_id>")
def detail(project_id):
    try:
        row = get_row(services.PROJECT, project_id)
    except PortalError:
        abort(404)
    bids = services.bids_of(row)
    valid = [b.amount for b in bids if b.status == "valid"]
    return render_template(
        "projects/detail.html", p=row, view=queries.view(row), bids=bids, lowest=min(valid) if valid else None,
        timeline=queries.timeline(row), amendments=list(row.amendments.order_by(Amendment.id)),
        milestones=list(row.milestones.order_by(Milestone.id)), payments=list(row.payments.order_by(Payment.id)),
        raised=flags.flags_of_project(row), procedures=PROCEDURES, states=services.STATES, yuan=yuan_text,
        local_text=local_text, mask=mask, staff=staff_steps(row))


def _list(unit, template):
    page = _page_arg()
    total, rows = queries.projects_in(queries.villages_under(unit), page)
    return render_template(template, unit=unit, rows=rows, page=page, pages=pages_for(total, queries.PER_PAGE),
                           total=total, procedures=PROCEDURES, states=services.STATES, yuan=yuan_text,
                           counts=flags.counts_for([r.id for r in rows]), mask=mask,
                           may_create=unit.level == "village" and can(current_user, "project.create", unit),
                           ocds_url=url_for("projects_api.release_package",
                                            **({unit.level: unit.code} if unit.level != "county" else {})))


@bp.get("/v/<code>/projects")
def village_list(code):
    return _list(village_or_404(code), "projects/list.html")


@bp.get("/t/<code>/projects")
def township_list(code):
    unit = Unit.get_or_none((Unit.code == code) & (Unit.level.in_(["township", "county"])))
    if unit is None:
        abort(404)
    return _list(unit, "projects/list.html")


def village_section(village):
    """The village page's 小微工程招投标 section: the latest processes with their stage."""
    _total, rows = queries.projects_in([village.code], 1, 5)
    return [{"title": r.title, "url": f"/projects/{r.id}",
             "meta": _("%(state)s · 预算 %(budget)s 元", state=_(services.STATES.get(r.state, r.state)), budget=yuan_text(r.budget))} for r in rows]


# -- the clerk's forms: each posts to the same services as the API ------------------------------

STEP_FORMS = {
    "tender": ("发布招标公告", [("deadline", "datetime-local", "投标截止时间"), ("description", "textarea", "招标公告内容")]),
    "bid": ("登记投标（开标时唱标）", [("bidder", "text", "投标单位"), ("credit_code", "text", "统一社会信用代码"),
                                 ("amount", "text", "报价（元）"), ("received_at", "datetime-local", "送达时间")]),
    "evaluate": ("评标", [("bids", "verdicts", "评标结论")]),
    "award": ("定标", [("bid", "bid", "中标投标"), ("reason", "textarea", "定标理由（非最低有效报价时必填）")]),
    "contract": ("签订合同", [("amount", "text", "合同金额（元）"), ("signed_on", "date", "签订日期")]),
    "amend": ("合同变更", [("amount", "text", "变更后合同金额（元）"), ("reason", "textarea", "变更理由")]),
    "milestone": ("工程进度", [("title", "text", "进度事项"), ("done_on", "date", "日期")]),
    "accept": ("竣工验收", [("done_on", "date", "验收日期")]),
    "pay": ("支付工程款", [("amount", "text", "支付金额（元）"), ("paid_on", "date", "支付日期"),
                      ("ledger_entry", "text", "三资台账凭证编号（可选）")]),
}
CREATE_FIELDS = [("title", "text", "工程名称"), ("budget", "text", "预算金额（元）"), ("description", "textarea", "工程内容"),
                 ("funding_source", "text", "资金来源"), ("decision", "text", "立项决定（会议与日期）")]


def staff_steps(row):
    """The forms a clerk of the village may fill now (the state machine decides which)."""
    if not can(current_user, "project.step", row.village):
        return []
    return [(name, *STEP_FORMS[name]) for name in STEP_FORMS
            if row.state in services.PROJECT.transition_named(name).sources]


def _verdicts():
    """The 评标 form's verdicts: ``verdict-<bid id>`` (valid / disqualified) and ``reason-<bid id>``."""
    out = []
    for key in request.form:
        if key.startswith("verdict-") and key[8:].isdigit():
            out.append({"bid": int(key[8:]), "status": request.form.get(key),
                        "reason": (request.form.get(f"reason-{key[8:]}") or "").strip()})
    return out


def _form_data(fields):
    data = {}
    for name, kind, _label in fields:
        if kind == "verdicts":
            data[name] = _verdicts()
            continue
        value = (request.form.get(name) or "").strip()
        if not value:
            continue
        data[name] = int(value) if kind == "bid" or (name == "ledger_entry" and value.isdigit()) else value
    return data


@bp.post("/projects/<int:project_id>/step/<name>")
@login_required
def take_step(project_id, name):
    if name not in STEP_FORMS:
        abort(404)
    try:
        services.step(current_user, project_id, name, _form_data(STEP_FORMS[name][1]))
        flash(_("已办理：%(step)s。", step=_(STEP_FORMS[name][0])), "success")
    except PortalError as exc:
        flash(localized(exc.template, exc.params), "error")
    return redirect(url_for("projects.detail", project_id=project_id) + "#staff")


@bp.route("/v/<code>/projects/new", methods=["GET", "POST"])
@login_required
def new(code):
    village = village_or_404(code)
    if not can(current_user, "project.create", village):
        abort(403)
    if request.method == "POST":
        try:
            row = services.create_project(current_user, dict(_form_data(CREATE_FIELDS), village=village.code))
            flash(_("已立项。"), "success")
            return redirect(url_for("projects.detail", project_id=row.id))
        except PortalError as exc:
            flash(exc.message, "error")
    return render_template("projects/new.html", village=village, create_fields=CREATE_FIELDS, values=request.form)
