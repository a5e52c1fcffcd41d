"""The ``/search`` results page (the search box in every page's header posts here)."""
from flask import Blueprint, render_template, request, url_for

from portal.core.errors import ValidationError
from portal.search.requests import FACET_NAMES, FILTER_ARGS, facets_payload, label, run_search, unit_names

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
        return render_template("search/results.html", q=query[:200], error=exc.message, result=None,
                               facets={}, names={}, active={}, facet_names=FACET_NAMES, url_with=_url_with, label=label), 400
    names = unit_names(result)
    active = {k: request.args[k] for k in FILTER_ARGS + ("from", "to") if request.args.get(k)}
    return render_template("search/results.html", q=query, error=None, result=result,
                           facets=facets_payload(result, names), names=names, active=active,
                           facet_names=FACET_NAMES, url_with=_url_with, label=label)
