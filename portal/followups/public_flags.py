"""The public page of a unit's open red flags (风险提示): what the dashboard's flag figures link to.

The flags are the domains' rules' (kept by ``portal.redflags``, public rows only); this page
shows each with its rule's title, the record it is raised on and its evidence in words
(``evidence.lines``, the inspectors' inbox's words), for a village, a township or the county.
It shows nothing of what inspectors did with a flag (seen, dismissed, followed up): that stays on
the workbench. ``?domain=ledger`` keeps one domain's rules (the 三资预警 figure's flags).
"""
import json
import re

from flask import Blueprint, abort, render_template, request

from portal.core import registry
from portal.core.clock import local_text
from portal.core.records import object_url
from portal.followups import counting, evidence
from portal.redflags.models import RedFlag
from portal.redflags.services import open_flags
from portal.units.models import Unit

bp = Blueprint("public_flags", __name__)
PER_PAGE = 20
DOMAIN_ARG = re.compile(r"^[a-z_]{1,32}$")


def _item(row, rules, record_types, villages):
    rule = rules.get(row.code)
    found = json.loads(row.evidence)
    url = object_url(row.object_type, row.object_id) if row.object_type in record_types else None
    if url is None and isinstance(found, dict) and str(found.get("url", "")).startswith("/"):
        url = found["url"]  # a flag on no record (a village's duties): the page its evidence names
    return {"id": row.id, "code": row.code, "title": rule.title if rule else row.code, "url": url,
            "village_name": villages.get(row.village_code, row.village_code), "raised_at": row.raised_at,
            "lines": [line for line in evidence.lines(row.code, found) if not line[2]]}


@bp.get("/redflags/rules")
def rules_page():
    """Every red-flag rule in words, what a flag's 规则说明 link opens (the same list as
    ``/api/v1/redflags/rules``, for residents rather than programs)."""
    rules = sorted(registry.of().flag_rules.values(), key=lambda r: r.code)
    return render_template("followups/rules.html", rules=rules)


@bp.get("/redflags/<code>")
def listing(code):
    """The open red flags of a village, a township or the county, newest first, paged; ``?domain=``
    one domain's rules. 404 for an unknown unit or domain."""
    unit = Unit.get_or_none((Unit.code == code) & Unit.level.in_(("county", "township", "village")))
    domain = request.args.get("domain", "")
    rules = registry.of().flag_rules
    if unit is None or (domain and (not DOMAIN_ARG.match(domain)
                                    or not any(c.startswith(domain + ".") for c in rules))):
        abort(404)
    query = open_flags(village_ids=unit.village_codes()) if unit.parent_id else open_flags()
    if domain:
        query = query.where(RedFlag.code.startswith(domain + "."))
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100000))
    total = counting.capped(query)
    rows = list(query.paginate(page, PER_PAGE))
    villages = dict(Unit.select(Unit.code, Unit.name).where(Unit.code.in_({r.village_code for r in rows})).tuples())
    record_types = registry.of().record_types
    items = [_item(r, rules, record_types, villages) for r in rows]
    args = {"domain": domain} if domain else {}
    return render_template("followups/public_flags.html", unit=unit, items=items, total=total, page=page,
                           pages=counting.pages(total, PER_PAGE), args=args, domain=domain,
                           local_text=local_text, sep=evidence.separators())
