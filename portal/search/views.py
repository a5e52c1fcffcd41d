"""The ``/search`` results page (the search box in every page's header posts here) and the
admin's list of public records the search gate refused."""
from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from portal.core.api import localized
from portal.core.clock import local_text
from portal.core.errors import ValidationError
from portal.core.permissions import can
from portal.search.requests import FACET_NAMES, FILTER_ARGS, facets_payload, label, run_search, unit_names
from portal.search.service import refusals as standing_refusals

bp = Blueprint("search", __name__)


def _url_with(**changes):
    """This search's URL with some arguments changed (None drops one); a new filter resets the page."""
    args = {k: v for k, v in request.args.items() if v}
    if "page" not in changes:
        args.pop("page", None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for("search.results", **args)


@bp.get("/search")
def results():
    """Results with facets, filters and pages; bad input shows its message with status 400."""
    query = request.args.get("q", "")
    try:
        result = run_search(request.args)
    except ValidationError as exc:
        return render_template("search/results.html", q=query[:200], error=localized(exc.template, exc.params), result=None,
                               facets={}, names={}, active={}, facet_names=FACET_NAMES, url_with=_url_with, label=label), 400
    names = unit_names(result)
    active = {k: request.args[k] for k in FILTER_ARGS + ("from", "to") if request.args.get(k)}
    return render_template("search/results.html", q=query, error=None, result=result,
                           facets=facets_payload(result, names), names=names, active=active,
                           facet_names=FACET_NAMES, url_with=_url_with, label=label)



@bp.get("/admin/search-refusals")
def refusals():
    """Public records the search gate refused (admin only): public, yet nobody can find them,
    so the admin sees them and can have the clerk correct them."""
    if not current_user.is_authenticated or not can(current_user, "admin.units"):
        abort(403)
    rows = [{"refusal": r, "when": local_text(r.refused_at)} for r in standing_refusals()]
    return render_template("search/refusals.html", rows=rows)
