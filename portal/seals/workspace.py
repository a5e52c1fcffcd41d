"""The clerk's workspace panel: the village's seals out of the office, each with its return button's page."""
from flask import url_for
from flask_babel import gettext as _

from portal.core.clock import local_text
from portal.core.i18n import N_
from portal.home.workspace import action, panel, row
from portal.seals.models import Seal, SealUse


def panels(user):
    if user.role != "clerk" or user.unit is None or user.unit.level != "village":
        return []
    code = user.unit.code
    out = (SealUse.select(SealUse, Seal).join(Seal).where((SealUse.village == code) & (SealUse.state == "out"))
           .order_by(SealUse.out_at))
    rows = [row(f"{u.seal.name} · {u.document}", url_for("records.page", type_name="seal_use", record_id=u.id),
                _("%(when)s 带出", when=local_text(u.out_at)),
                action=action(_("去登记归还"), url_for("seals.village_log", code=code, out="1")))
            for u in out]
    rows.append(row(_("登记用章"), url_for("seals.record", code=code), _("盖章时当场登记"),
                    action=action(_("登记用章"), url_for("seals.record", code=code))))
    return [panel("seals", N_("公章使用"), rows, count=len(rows) - 1)]
