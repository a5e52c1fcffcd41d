"""Pages: a follow-up's thread and its next steps, opening one on any record, campaigns.

Each POST goes through ``portal.core.forms.submit`` to one service; a refusal is
shown in Chinese on the page and nothing is written.
"""
import io

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.accounts.models import ROLE_NAMES, User
from portal.core import registry
from portal.core.clock import today
from portal.core.errors import NotFound, PortalError
from portal.core.forms import Done, action_required, submit
from portal.core.i18n import N_
from portal.core.markdown import render_markdown
from portal.core.personal_data import mask
from portal.core.permissions import can
from portal.followups import assignees, campaigns, counting, filters, inbox, objects, projections, services
from portal.followups.forms import (AnswerForm, AskAgainForm, CampaignForm, ConcludeForm, ExtendForm,
                                    FollowupForm, PublishForm)
from portal.followups.models import FINDINGS, THEMES, Campaign, Followup, FollowupFile, FollowupStep
from portal.units.models import Unit
from portal.units.views import area_or_404, village_or_404

bp = Blueprint("followups", __name__)


def _followup(followup_id):
    try:
        row = services.get(followup_id)
    except PortalError:
        abort(404)
    if not services.may_read(current_user, row):
        abort(404)
    return row


def assignee_choices(unit):
    """Roles at the object's unit and the units above it, then the people holding them."""
    chain = unit.ancestors()[::-1]
    chain.insert(0, unit)
    choices = []
    for u in chain:
        roles = ("clerk", "supervisor") if u.level == "village" else ("handler", "inspector")
        choices += [(f"{role}@{u.code}", f"{u.name} · {_(ROLE_NAMES[role])}") for role in roles]
    people = (User.select().where(User.unit.in_([u.code for u in chain]) & User.active &
                                  User.role.in_(assignees.STAFF_ROLES)).order_by(User.unit, User.role))
    choices += [(p.username, f"{p.display_name or p.username}（{p.unit.name} · {_(p.role_name)}）") for p in people]
    return choices


def campaign_choices(unit):
    rows = Campaign.select().where(Campaign.state == "active").order_by(Campaign.id.desc())
    return [("", _("不属于专项整治"))] + [(str(c.id), c.title) for c in rows if c.unit.covers(unit)]


@bp.route("/followups/new", methods=["GET", "POST"])
@action_required("followup.open")
def new():
    """Open a follow-up on the record ``?type=&id=`` (inspector whose unit covers it); ``flag`` links a red flag."""
    try:
        ref = objects.resolve(request.args.get("type"), request.args.get("id"))
    except NotFound:
        abort(404)
    if not can(current_user, "followup.open", ref.unit):
        abort(403)
    flag_id = request.args.get("flag", type=int)
    flag = None
    if flag_id is not None:
        try:
            flag = inbox.get_flag(current_user, flag_id)
        except PortalError:
            abort(404)
        if (flag.object_type, flag.object_id) != (ref.type, ref.id):
            abort(404)
    form = FollowupForm()
    if flag is not None and request.method == "GET":
        rule = registry.of().flag_rules.get(flag.code)
        form.question.data = _("红旗预警“%(title)s”：请说明情况并提供相关材料。", title=_(rule.title) if rule else flag.code)
    form.assignee.choices = assignee_choices(ref.unit)
    form.campaign.choices = campaign_choices(ref.unit)
    if not ref.public and request.method == "GET":
        form.visibility.data = "internal"

    def write():
        row = services.open_followup(current_user, ref.type, ref.id, form.assignee.data, form.question.data,
                                     form.due.data, form.visibility.data, form.campaign.data or None, flag_id)
        return Done(_("督办已发出。"), url_for("followups.detail", followup_id=row.id))

    done, status = submit(form, write)
    return done or (render_template("followups/new.html", form=form, ref=ref, flag_id=flag_id), status)


@bp.route("/followups/<int:followup_id>", methods=["GET"])
def detail(followup_id):
    """The follow-up's page: the object, the thread, and the next steps for who may take them."""
    row = _followup(followup_id)
    return _detail(row, {})


def _detail(row, forms, status=200):
    inspector = services.is_inspector_for(current_user, row)
    assignee = assignees.is_assignee(current_user, row)
    try:
        ref = objects.resolve(row.object_type, row.object_id)
    except NotFound:
        ref = None
    forms = {"answer": forms.get("answer") or AnswerForm(formdata=None),
             "ask": forms.get("ask") or AskAgainForm(formdata=None),
             "extend": forms.get("extend") or ExtendForm(formdata=None),
             "conclude": forms.get("conclude") or ConcludeForm(formdata=None)}
    files = {}
    if services.may_handle(current_user, row):
        for step in row.steps:
            files[step.id] = list(step.files)
    return render_template("followups/detail.html", row=row, ref=ref, thread=services.thread(row),
                           steps=list(row.steps.order_by(FollowupStep.id)), files=files,
                           inspector=inspector, assignee=assignee, forms=forms, states=services.STATES,
                           findings=FINDINGS, overdue=services.is_overdue(row), due_text=services.due_text(row),
                           assignee_label=assignees.label(row), type_label=objects.type_label(row.object_type)), status


def _step_page(followup_id, key, form_cls, write_fn):
    row = _followup(followup_id)
    form = form_cls()

    def write():
        write_fn(row, form)
        return Done(_("已保存。"), url_for("followups.detail", followup_id=row.id))

    done, status = submit(form, write)
    if done:
        return done
    return _detail(services.get(followup_id), {key: form}, status)


@bp.post("/followups/<int:followup_id>/answer")
@login_required
def answer(followup_id):
    """The assignee's answer, with files."""
    return _step_page(followup_id, "answer", AnswerForm, lambda row, form: services.answer(
        current_user, row.id, form.text.data,
        [(f.filename, f.read()) for f in request.files.getlist("files") if f and f.filename]))


@bp.post("/followups/<int:followup_id>/ask_again")
@login_required
def ask_again(followup_id):
    return _step_page(followup_id, "ask", AskAgainForm, lambda row, form: services.ask_again(
        current_user, row.id, form.question.data, form.due.data))


@bp.post("/followups/<int:followup_id>/extend")
@login_required
def extend(followup_id):
    return _step_page(followup_id, "extend", ExtendForm, lambda row, form: services.extend(
        current_user, row.id, form.due.data, form.reason.data))


@bp.post("/followups/<int:followup_id>/conclude")
@login_required
def conclude(followup_id):
    return _step_page(followup_id, "conclude", ConcludeForm, lambda row, form: services.conclude(
        current_user, row.id, form.finding.data, form.conclusion.data))


@bp.get("/followups/<int:followup_id>/files/<int:file_id>")
@login_required
def file(followup_id, file_id):
    """An answer's attachment, to the inspectors in scope, the assignee and the superior unit only."""
    row = _followup(followup_id)
    if not services.may_handle(current_user, row):
        abort(404)
    f = FollowupFile.get_or_none(FollowupFile.id == file_id)
    if f is None or f.step.followup_id != row.id:
        abort(404)
    return send_file(io.BytesIO(f.data), mimetype=f.mime, as_attachment=True, download_name=f.filename)


def _queue_filters():
    """The follow-ups page's filters from the query string; a village outside the user's unit, an unknown
    record type or a bad date is ignored (the list is then the unfiltered one), never an error page."""
    args = request.args
    unit = current_user.unit
    village = filters.village_in_scope(args, unit)
    object_type = args.get("type") or None
    if object_type not in objects.followable_types():
        object_type = None
    due_from, due_to = filters.date_range(args, "答复期限从", "答复期限至")
    state = args.get("state") if args.get("state") in ("open", "overdue", "answered", "concluded") else "open"
    return {"state": state, "object_type": object_type, "village": village, "due_from": due_from, "due_to": due_to}


@bp.get("/followups")
@login_required
def mine():
    """My follow-ups by deadline: an inspector's in scope, an assignee's, a superior unit's escalations;
    filtered by record type, village and deadline, 20 a page."""
    filters = _queue_filters()
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100000))
    rows, total = services.queue_page(services.queue_query(current_user, **filters), page)
    unit = current_user.unit
    villages = list(Unit.select(Unit.code, Unit.name).where(Unit.path.startswith(unit.path) &
                                                           (Unit.level == "village")).order_by(Unit.path).tuples()) \
        if unit is not None and current_user.role in ("inspector", "admin") else []
    types = list(objects.followable_types().items())
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("followups/list.html", rows=rows, state=filters["state"], filters=filters, total=total,
                           page=page, pages=counting.pages(total, services.PER_PAGE), args=args, villages=villages,
                           types=types, states=services.STATES, is_overdue=services.is_overdue,
                           due_text=services.due_text, label=assignees.label, type_label=objects.type_label)


SHOWN = {"open": N_("未办结"), "overdue": N_("逾期未答复")}  # ?show=: what the dashboard's figures count
LISTED = 100


def _public_listing(village_codes):
    """(show, total, the newest LISTED rows) of the public follow-ups on these villages, ``?show=open`` or
    ``overdue`` as ``projections.open_count`` / ``overdue_count`` count them."""
    show = request.args.get("show", "")
    query = Followup.select().where(Followup.unit.in_(list(village_codes)) & (Followup.visibility == "public"))
    if show == "open":
        query = query.where(projections.is_open())
    elif show == "overdue":
        query = query.where(projections.is_overdue_on(today()))
    else:
        show = ""
    return show, query.count(), query.order_by(Followup.id.desc()).limit(LISTED)


@bp.get("/v/<code>/followups")
def village_list(code):
    """A village's public follow-ups, newest first (``?show=open|overdue`` filters)."""
    village = village_or_404(code)
    show, total, rows = _public_listing([village.code])
    return render_template("followups/village.html", village=village, rows=rows, states=services.STATES,
                           is_overdue=services.is_overdue, label=assignees.label, type_label=objects.type_label,
                           findings=FINDINGS, show=show, shown=SHOWN, total=total)


@bp.get("/t/<code>/followups")
def area_list(code):
    """A township's or the county's public follow-ups (every village under it), newest first,
    ``?show=open|overdue`` as the dashboard's figures count them; 404 for any other code."""
    unit = area_or_404(code)
    show, total, rows = _public_listing(unit.village_codes())
    return render_template("followups/area.html", unit=unit, rows=rows, states=services.STATES,
                           is_overdue=services.is_overdue, label=assignees.label, type_label=objects.type_label,
                           findings=FINDINGS, show=show, shown=SHOWN, total=total)


# -- campaigns ---------------------------------------------------------------------------

@bp.get("/campaigns")
def campaign_list():
    """Published campaigns for everyone; an inspector also sees the active ones in scope."""
    published = list(Campaign.select().where(Campaign.state == "published").order_by(Campaign.id.desc()))
    active = []
    if can(current_user, "campaign.manage") and current_user.unit is not None:
        active = list(campaigns.in_scope(current_user.unit).where(Campaign.state == "active")
                      .order_by(Campaign.id.desc()))
    return render_template("followups/campaigns.html", published=published, active=active, themes=THEMES)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@action_required("campaign.manage")
def campaign_new():
    """Open a campaign in the inspector's unit or one below it."""
    form = CampaignForm()
    unit = current_user.unit
    units = [unit] + list(Unit.select().where(Unit.path.startswith(unit.path) & (Unit.code != unit.code) &
                                              Unit.level.in_(("township", "village"))).order_by(Unit.path)) \
        if unit else []
    form.unit.choices = [(u.code, u.name) for u in units]

    def write():
        row = campaigns.open_campaign(current_user, {
            "title": form.title.data, "theme": form.theme.data, "unit": form.unit.data,
            "starts_on": form.starts_on.data, "ends_on": form.ends_on.data, "description": form.description.data})
        return Done(_("专项整治已开始。"), url_for("followups.campaign", campaign_id=row.id))

    done, status = submit(form, write)
    return done or (render_template("followups/campaign_new.html", form=form), status)


@bp.route("/campaigns/<int:campaign_id>", methods=["GET", "POST"])
def campaign(campaign_id):
    """A campaign's progress per village; public once published, with its summary."""
    try:
        row = campaigns.get(campaign_id)
    except PortalError:
        abort(404)
    manage = campaigns.may_manage(current_user, row)
    if row.state != "published" and not manage:
        abort(404)
    form = PublishForm()
    status = 200
    if request.method == "POST":
        if not manage:
            abort(403)

        def write():
            campaigns.publish(current_user, row.id, form.summary.data)
            return Done(_("整治情况已公布。"), url_for("followups.campaign", campaign_id=row.id))
        done, status = submit(form, write)
        if done:
            return done
    villages, totals = campaigns.progress(row, current_user)
    followups = list(row.followups.order_by(Followup.due_on)) if manage else \
        list(row.followups.where(Followup.visibility == "public").order_by(Followup.id.desc()))
    summary_html = Markup(render_markdown(mask(row.summary))) if row.summary else None
    return render_template("followups/campaign.html", row=row, summary_html=summary_html, villages=villages, totals=totals, manage=manage,
                           form=form, themes=THEMES, followups=followups, states=services.STATES,
                           member_labels=campaigns.member_labels(),
                           is_overdue=services.is_overdue, label=assignees.label, findings=FINDINGS), status


HOME_ROWS = 10  # rows of each list on the inspector's home page


@bp.get("/inspect")
@action_required("followup.open")
def inspector_home():
    """The inspector's home: my follow-ups by deadline, overdue answers, answers to review, campaign progress."""
    unit = current_user.unit
    if unit is None:
        abort(403)
    heads = {}
    for key in ("overdue", "answered", "open"):  # each list's first rows and its own count (not a slice of one)
        rows, total = services.queue_page(services.queue_query(current_user, key), 1, HOME_ROWS)
        heads[key] = (rows, total)
    (overdue, n_overdue), (review, n_review), (open_rows, n_open) = heads["overdue"], heads["answered"], heads["open"]
    active = list(campaigns.in_scope(unit).where(Campaign.state == "active").order_by(Campaign.id.desc()).limit(10))
    progress = [(c, campaigns.progress(c, current_user)[1]) for c in active]
    # the reports inbox, once the reports domain is in (its page, named by endpoint: no import of it)
    reports_url = url_for("reports_staff.inbox") if "reports_staff.inbox" in current_app.view_functions else None
    return render_template("followups/inspect.html", unit=unit, open_rows=open_rows, overdue=overdue, review=review,
                           n_open=n_open, n_overdue=n_overdue, n_review=n_review, reports_url=reports_url,
                           progress=progress, states=services.STATES, is_overdue=services.is_overdue,
                           label=assignees.label, type_label=objects.type_label, themes=THEMES, inbox=inbox_summary(unit),
                           member_labels=campaigns.member_labels())


def inbox_summary(unit):
    """The red-flag inbox's head for the home page: open flags in scope, and those nobody has looked at."""
    return {"url": url_for("followups_inbox.flags"), **inbox.summary(unit)}
