"""The three capitals' panel on the staff workspace: the months waiting for this user."""
from flask import url_for
from flask_babel import gettext as _

from portal.core.i18n import N_
from portal.home.workspace import action, panel, row
from portal.ledger.models import Period
from portal.ledger.periods import MONTH_NAMES


def panels(user):
    if user.role not in ("clerk", "supervisor") or user.unit is None or user.unit.level != "village":
        return []
    waiting = ("open", "returned", "approved") if user.role == "clerk" else ("open",)
    rows = [row(f"{p.month} {_(MONTH_NAMES[p.state])}", url_for("ledger.work", village_code=p.village_id),
                _(p.review_note) if p.review_note else "")
            for p in Period.select().where((Period.village == user.unit) & Period.state.in_(waiting))
            .order_by(Period.month)]
    return [panel("ledger", N_("三资记账与月结"), rows, more=url_for("ledger.work", village_code=user.unit.code),
                  empty=N_("没有待处理的月份。"))]
