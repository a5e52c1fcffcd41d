"""What follow-ups add to other pages: the record panel, the workspace, the village section.

The record panel (``Domain.record_panels``) shows, on every record's page (and a subject's), the
public follow-ups on it — "纪检监察督办：……，限期……，答复……" — and, to an
inspector whose unit covers the record, the button that opens a new one.
"""
from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from portal.core.errors import NotFound
from portal.core.i18n import N_
from portal.core.permissions import can
from portal.core.personal_data import mask
from portal.followups import assignees, inbox, objects, services
from portal.followups.models import FINDINGS, Followup
from portal.home.workspace import action, panel, row


def record_panel(object_type, object_id):
    """On a record's page, or a subject's (a village's duties): its public follow-ups, the button."""
    if object_type not in objects.followable_types():
        return None
    rows = services.public_for_object(object_type, object_id)
    may_open = False
    if getattr(current_user, "is_authenticated", False) and current_user.role == "inspector":
        try:
            ref = objects.resolve(object_type, object_id)
        except NotFound:
            ref = None
        may_open = ref is not None and can(current_user, "followup.open", ref.unit)
    if not rows and not may_open:
        return None
    items = []
    for r in rows:
        answers = [s for s in r.steps if s.kind == "answer"]
        items.append({"row": r, "answer": answers[-1] if answers else None})
    return Markup(render_template("followups/_panel.html", items=items, may_open=may_open,
                                  object_type=object_type, object_id=object_id, states=services.STATES,
                                  findings=FINDINGS, label=assignees.label, is_overdue=services.is_overdue))


def village_section(village):
    rows = (Followup.select().where((Followup.unit == village) & (Followup.visibility == "public"))
            .order_by(Followup.id.desc()).limit(5))
    return [{"title": _("纪检监察督办：%(q)s", q=mask(r.question)[:40]),
             "url": url_for("followups.detail", followup_id=r.id),
             "meta": f"{_(services.STATES[r.state])} · {_('限期')} {r.due_on.isoformat()}"} for r in rows]


def _row(r):
    return row(mask(r.question)[:60], url_for("followups.detail", followup_id=r.id),
              f"{r.object_title} · {assignees.label(r)} · {_(services.STATES[r.state])} · {_('限期')} "
              f"{r.due_on.isoformat()}", services.due_text(r), alert=services.is_overdue(r))


def workspace(user):
    """Inspectors: follow-ups waiting for review and overdue; assignees: what they must answer (red when late)."""
    out = []
    if user.role == "inspector" and user.unit is not None:
        new_flags = inbox.new_count(user)
        out.append(panel("followups-desk", N_("纪检监察工作台"), [
            row(_("我的督办、逾期答复、点题整治进展"), url_for("followups.inspector_home")),
            row(_("红旗预警"), url_for("followups_inbox.flags"), _("新的预警 %(n)s 条", n=new_flags)),
            row(_("点题整治"), url_for("followups.campaign_list"))], count=new_flags))
        query = services.scope_query(user.unit)
        review = services.with_units(query.where(Followup.state == "answered").order_by(Followup.answered_at).limit(20))
        out.append(panel("followups-review", N_("待审核的督办答复"), [
            dict(_row(r), action=action(_("审核"), url_for("followups.detail", followup_id=r.id))) for r in review],
            more=url_for("followups.inspector_home"), empty=N_("没有待审核的答复。")))
        late = services.queue_for(user, "overdue", limit=20)
        out.append(panel("followups-overdue", N_("逾期未答复的督办"), [_row(r) for r in late],
                         more=url_for("followups.mine", state="overdue"), empty=N_("没有逾期的督办。")))
    elif user.role in assignees.STAFF_ROLES:
        rows = services.with_units(services.assigned_to(user).where(Followup.state.in_(services.AWAITING))
                                   .order_by(Followup.due_on).limit(20))
        if rows:
            out.append(panel("followups-answer", N_("需要答复的督办"), [
                dict(_row(r), action=action(_("答复"), url_for("followups.detail", followup_id=r.id) + "#answer"))
                for r in rows], more=url_for("followups.mine")))
    return out
