"""How the audit page names follow-up and campaign entries: only what is already public (an internal
follow-up and an unpublished campaign are named by their kind alone, without village or title)."""
from flask import url_for
from flask_babel import gettext as _

from portal.core.i18n import N_
from portal.core.personal_data import mask
from portal.followups.models import Campaign, Followup

WHAT = {"followup.open": N_("督办已发出"), "followup.create": N_("督办已发出"), "followup.answer": N_("督办已答复"),
        "followup.ask_again": N_("督办再次追问"), "followup.extend": N_("督办已延期"),
        "followup.escalate": N_("督办逾期已上报"), "followup.conclude": N_("督办已办结"),
        "campaign.create": N_("专项整治已立项"), "campaign.publish": N_("专项整治结果已公布"),
        "campaign.add_flag": N_("风险提示列入专项整治")}


def _row(model, entry):
    return model.get_or_none(model.id == int(entry.object_id)) if str(entry.object_id).isdigit() else None


def followup(entry):
    row = _row(Followup, entry)
    if row is None:
        return None
    what = _(WHAT.get(entry.action, N_("督办有新进展")))
    if row.visibility != "public":
        return {"village": None, "title": _("一份内部督办"), "url": None, "what": what}
    village = row.unit if row.unit.level == "village" else None
    return {"village": village, "title": _("督办：%(title)s", title=mask(row.object_title)),
            "url": url_for("followups.detail", followup_id=row.id), "what": what}


def campaign(entry):
    row = _row(Campaign, entry)
    if row is None:
        return None
    what = _(WHAT.get(entry.action, N_("专项整治有新进展")))
    if row.state != "published":
        return {"village": None, "title": _("一项专项整治（尚未公开）"), "url": None, "what": what}
    return {"village": None, "title": mask(row.title), "url": url_for("followups.campaign", campaign_id=row.id),
            "what": what}
