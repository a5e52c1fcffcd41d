"""The red-flag inbox pages (inspectors): the list with filters, one flag with its actions, the funnel."""
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.core import registry
from portal.core.clock import local_text
from portal.core.errors import PortalError
from portal.core.forms import Done, action_required, submit
from portal.followups import campaigns, counting, evidence, filters, inbox
from portal.followups.forms import AddToCampaignForm, DismissForm
from portal.followups.models import Campaign
from portal.redflags.models import RedFlag
from portal.units.models import Unit

bp = Blueprint("followups_inbox", __name__)


def _scope():
    if current_user.unit is None:
        abort(403)
    return current_user.unit


def _filters(unit):
    args = request.args
    village = filters.village_in_scope(args, unit)
    since, until = filters.date_range(args, "开始日期", "结束日期")
    return {"code": args.get("code") or None, "village": village, "since": since, "until": until,
            "dismissed": args.get("dismissed") == "1"}


@bp.get("/inspect/flags")
@action_required("followup.open")
def flags():
    """Every open red flag in the inspector's scope, newest first; filter by kind, village, date."""
    unit = _scope()
    filters = _filters(unit)
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100000))
    rows, total = inbox.page_of(inbox.query(unit, **filters), page), inbox.count(unit, **filters)
    villages = list(Unit.select(Unit.code, Unit.name).where(Unit.path.startswith(unit.path) &
                                                           (Unit.level == "village")).order_by(Unit.path).tuples())
    pages = counting.pages(total, inbox.PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("followups/inbox.html", rows=rows, total=total, page=page, pages=pages, args=args,
                           filters=filters, villages=villages, rules=registry.of().flag_rules.values(),
                           local_text=local_text, unit=unit, evidence_lines=evidence.lines,
                           sep=evidence.separators())


def _flag_page(flag_id, dismiss_form=None, campaign_form=None, status=200):
    flag = inbox.get_flag(current_user, flag_id)
    rows = inbox.page_of(RedFlag.select().where(RedFlag.id == flag.id), 1)
    village = Unit.get(Unit.code == flag.village_code)
    choices = [(str(c.id), c.title) for c in Campaign.select().where(Campaign.state == "active")
               .order_by(Campaign.id.desc()) if c.unit.covers(village) and campaigns.may_manage(current_user, c)]
    campaign_form = campaign_form or AddToCampaignForm(formdata=None)
    campaign_form.campaign.choices = choices
    return render_template("followups/flag.html", flag=rows[0], dismiss_form=dismiss_form or DismissForm(formdata=None),
                           campaign_form=campaign_form, local_text=local_text,
                           evidence_lines=evidence.lines), status


@bp.get("/inspect/flags/<int:flag_id>")
@action_required("followup.open")
def flag(flag_id):
    """One flag with its evidence; opening it counts as looked at (the funnel)."""
    try:
        row = inbox.get_flag(current_user, flag_id)
    except PortalError:
        abort(404)
    inbox.mark_seen(current_user, row)
    return _flag_page(flag_id)


@bp.post("/inspect/flags/<int:flag_id>/dismiss")
@action_required("followup.open")
def dismiss(flag_id):
    """Dismiss with a reason (audited)."""
    form = DismissForm()

    def write():
        inbox.dismiss(current_user, flag_id, form.reason.data)
        return Done(_("预警已排除。"), url_for("followups_inbox.flags"))
    done, status = submit(form, write)
    return done or _flag_page(flag_id, dismiss_form=form, status=status)


@bp.post("/inspect/flags/<int:flag_id>/campaign")
@action_required("campaign.manage")
def add_to_campaign(flag_id):
    """Add the flag to an active campaign covering its village (audited)."""
    form = AddToCampaignForm()

    def write():
        try:
            campaign = campaigns.get(int(form.campaign.data or 0))
        except (PortalError, ValueError):
            abort(404)
        inbox.add_to_campaign(current_user, flag_id, campaign)
        return Done(_("已加入专项整治。"), url_for("followups_inbox.flag", flag_id=flag_id))
    done, status = submit(form, write)
    return done or _flag_page(flag_id, campaign_form=form, status=status)


@bp.get("/inspect/funnel")
@action_required("followup.open")
def funnel():
    """Flags raised → looked at → followed up → findings, per township and per flag kind."""
    rows = inbox.funnel(_scope())
    totals = {k: sum(r[k] for r in rows) for k in ("raised", "looked_at", "followed_up", "findings")}
    return render_template("followups/funnel.html", rows=rows, totals=totals, unit=_scope())
