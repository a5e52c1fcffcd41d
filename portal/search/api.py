"""``GET /api/v1/search``: full-text search over everything public (see docs/search.md)."""
from flask import Blueprint, jsonify, request

from portal.core.api import register_api_errors
from portal.search.requests import facets_payload, hit_payload, run_search, unit_names

bp = Blueprint("search_api", __name__, url_prefix="/api/v1")
register_api_errors(bp)


@bp.get("/search")
def search():
    """``{"total", "page", "pages", "facets", "expanded", "results"}``; 400 with an error code for bad input.

    ``expanded``: the dictionary words searched besides those typed (低保 → 最低生活保障 …).

    ``snippet`` is HTML: the text is escaped and matches are wrapped in ``<mark>``.
    """
    result = run_search(request.args)
    names = unit_names(result)
    return jsonify({
        "total": result.total, "page": result.page, "pages": result.pages,
        "facets": facets_payload(result, names),
        "expanded": result.expanded,
        "results": [hit_payload(h, names) for h in result.hits],
    })
