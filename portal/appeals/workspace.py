"""Appeals' panels on the workspace: a handler's appeals by deadline (overdue first), and for
inspectors and township staff the overdue appeals of their area."""
import datetime

from flask import url_for
from flask_babel import gettext as _

from portal.appeals import services
from portal.appeals.models import Appeal
from portal.core.clock import local_text, utcnow
from portal.core.i18n import N_
from portal.home.workspace import action, panel, row
from portal.units.models import Unit


def _row(appeal, now):
    overdue = services.is_overdue(appeal, now)
    note = _("已超期") if overdue else _("时限 %(due)s", due=local_text(appeal.due_at))
    return row(services.mask(appeal.text)[:40], url_for("appeals.detail", appeal_id=appeal.id),
               f"{_(services.STATES[appeal.state])} · {appeal.holder.name}", note,
               action=action(_("办理"), url_for("appeals.detail", appeal_id=appeal.id)))


def panels(user):
    now = utcnow()
    if user.role == "handler" and user.unit is not None:
        rows = list(services.holders_for(user).limit(50))
        rows.sort(key=lambda r: (not services.is_overdue(r, now), r.due_at))
        overdue = sum(1 for r in rows if services.is_overdue(r, now))
        soon = [r for r in rows if r.state in services.HANDLING + ("submitted",) and not services.is_overdue(r, now)
                and r.due_at < now + datetime.timedelta(hours=24)]
        return [panel("appeals", N_("待我办理的群众诉求"), [_row(r, now) for r in rows[:10]],
                      more=url_for("appeals.mine"), empty=N_("没有待办的诉求。"), count=len(rows)),
                panel("appeals_overdue", N_("超期诉求"), [_row(r, now) for r in rows if services.is_overdue(r, now)][:10],
                      more=url_for("appeals.mine"), empty=N_("没有超期的诉求。"), count=overdue),
                panel("appeals_due_soon", N_("24小时内到期（提醒）"), [_row(r, now) for r in soon[:10]],
                      more=url_for("appeals.mine"), empty=N_("没有即将到期的诉求。"), count=len(soon))]
    if user.role == "inspector" and user.unit is not None:
        villages = Unit.select(Unit.code).where(Unit.path.startswith(user.unit.path) & (Unit.level == "village"))
        query = (Appeal.select().where(Appeal.village.in_(villages) & Appeal.state.in_(("submitted",) + services.HANDLING)
                                       & (Appeal.due_at < now)).order_by(Appeal.due_at))
        return [panel("appeals_overdue", N_("辖区超期诉求"), [_row(r, now) for r in query.limit(10)],
                      more=url_for("appeals.stats_page", code=user.unit.code), empty=N_("没有超期的诉求。"),
                      count=query.count())]
    return []
