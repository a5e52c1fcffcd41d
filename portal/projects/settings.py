"""What the county sets: procedure thresholds, the ocid prefix, the minimum submission periods.

Read from the app config (``PROJECTS_*``) so a county changes them in its instance config;
the defaults follow the Quanzhou practice in the seeds (below 10万 两委决定 with three quotes,
10–100万 邀请比选, above 100万 公开招标).
"""
import re
from decimal import Decimal

from flask import current_app

from portal.core.errors import ValidationError
from portal.core.i18n import N_

PROCEDURES = {
    "quotes": N_("两委决定（三家询价）"),
    "invited": N_("邀请比选"),
    "open": N_("公开招标"),
}
# Our procedure -> the OCDS ``method`` codelist.
OCDS_METHOD = {"quotes": "limited", "invited": "selective", "open": "open"}
DEFAULT_THRESHOLDS = (("quotes", "100000"), ("invited", "1000000"))  # (procedure, budget below which it applies)
DEFAULT_MIN_DAYS = {"quotes": 3, "invited": 5, "open": 20}  # shortest submission period per procedure
# The placeholder until the county registers its own prefix with the OCDS helpdesk.
DEFAULT_OCID_PREFIX = "ocds-xxxxxx-"
OCID_PREFIX = re.compile(r"^ocds-[a-z0-9]{6}-$")


def _config(name, default):
    try:
        return current_app.config.get(name, default)
    except RuntimeError:  # outside an app (bench data generators)
        return default


def thresholds():
    """[(procedure, Decimal upper bound)] ascending; budgets at or above the last are 公开招标."""
    return [(p, Decimal(str(v))) for p, v in _config("PROJECTS_THRESHOLDS", DEFAULT_THRESHOLDS)]


def procedure_for(budget):
    for procedure, below in thresholds():
        if budget < below:
            return procedure
    return "open"


def min_days(procedure):
    return int(dict(DEFAULT_MIN_DAYS, **_config("PROJECTS_MIN_DAYS", {})).get(procedure, 3))


def ocid_prefix():
    """The configured prefix, checked: a wrong prefix refuses every write rather than mint bad ocids."""
    prefix = str(_config("PROJECTS_OCID_PREFIX", DEFAULT_OCID_PREFIX))
    if not OCID_PREFIX.match(prefix):
        raise ValidationError("bad_ocid_prefix", N_("OCDS 编号前缀配置有误（应形如 ocds-abc123-），请联系管理员。"))
    return prefix
