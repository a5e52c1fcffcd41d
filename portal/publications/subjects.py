"""What of publications others name by (type, id) that is not one record (``portal.core.domain.Subject``).

A village's publication duties (公开责任) as a whole: the duty flag (``flags.DUTY_CODE``) concerns them,
not one publication, and an inspector follows them up as such. Their id is the village's 12-digit code
as a number; their page is the village's duties page, which shows the public follow-ups on them.
"""
from portal.core.domain import Found, Subject
from portal.core.errors import fill
from portal.core.i18n import N_
from portal.units.models import Unit

DUTIES_TITLE = N_("%(village)s的公开责任")


def _code(object_id):
    return str(object_id).zfill(12)


def _find_duties(object_id):
    village = Unit.get_or_none((Unit.code == _code(object_id)) & (Unit.level == "village"))
    return Found(fill(DUTIES_TITLE, dict(village=village.name)), village) if village is not None else None


VILLAGE_DUTIES = Subject("village_duties", N_("村公开责任"), _find_duties,
                         lambda object_id: f"/v/{_code(object_id)}/duties")
