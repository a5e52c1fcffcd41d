"""``/api/v1/projects`` and ``/api/v1/ocds``: the fixed points of API.md ("Project bids")."""
import json

from flask import Blueprint, Response, jsonify, request, stream_with_context

from portal.core.api import api_user, int_arg, json_body, pages_for, register_api_errors, token_required
from portal.core.db import connection
from portal.core.errors import NotFound
from portal.core.i18n import N_
from portal.projects import ocds, queries, services
from portal.units.models import Unit

bp = Blueprint("projects_api", __name__, url_prefix="/api/v1")
register_api_errors(bp)
# API path -> (the step, the answer's status, what the answer carries besides the project)
STEPS = {"tender": ("tender", 200), "opening": ("open", 200), "bids": ("bid", 201), "evaluation": ("evaluate", 200),
         "award": ("award", 200), "contract": ("contract", 200), "amendments": ("amend", 201),
         "milestones": ("milestone", 201), "acceptance": ("accept", 201), "payments": ("pay", 201)}


def _unit_arg():
    """The unit of ``?village=`` or ``?township=`` (the county when neither)."""
    for level in ("village", "township"):
        code = request.args.get(level)
        if code:
            unit = Unit.find(code, level)
            if unit is None:
                raise NotFound(f"bad_{level}", N_("行政区划代码不存在。"))
            return unit
    unit = Unit.select().where(Unit.level == "county").first()
    if unit is None:
        raise NotFound("bad_village", N_("行政区划代码不存在。"))
    return unit


@bp.post("/projects")
@token_required
def create():
    row = services.create_project(api_user(), json_body())
    return jsonify(queries.view(row)), 201


@bp.get("/projects")
def listing():
    page = int_arg("page", 1, minimum=1, maximum=100000)
    total, rows = queries.projects_in(queries.villages_under(_unit_arg()), page)
    return jsonify({"projects": [queries.view(r) for r in rows], "page": page,
                    "pages": pages_for(total, queries.PER_PAGE), "total": total})


@bp.get("/projects/<int:project_id>")
def one(project_id):
    return jsonify(queries.view(services.get_project(project_id)))


@token_required
def take_step(project_id, path):
    if path not in STEPS:
        raise NotFound("not_found", N_("没有这种操作。"))
    name, status = STEPS[path]
    data = json_body() if request.data else {}
    row = services.step(api_user(), project_id, name, data)
    out = queries.view(row)
    subject = getattr(row, "_subject", None)
    if name == "bid":
        out = {"id": subject.id, "project": row.id, "late": subject.late, "live_seq": subject.live_seq,
               "status": subject.status, "audit_index": row.audit_index, "url": out["url"], "project_view": out}
    elif subject is not None:
        out = {"id": subject.id, "project": row.id, "audit_index": row.audit_index, "url": out["url"],
               "project_view": out} | ({"ledger_entry": subject.ledger_entry} if name == "pay" else {})
    return jsonify(out), status


for _path in STEPS:  # one route per step: the route table is exactly what OpenAPI documents
    bp.add_url_rule(f"/projects/<int:project_id>/{_path}", f"step_{_path}", take_step, methods=["POST"],
                    defaults={"path": _path})


@bp.get("/projects/<int:project_id>/ocds")
def record_package(project_id):
    row = services.get_project(project_id)
    return jsonify(ocds.record_package(row, services.releases_of(row), request.url))


@bp.get("/ocds/releases")
def release_package():
    page = int_arg("page", 1, minimum=1, maximum=100000)
    total, rows = queries.release_rows(queries.villages_under(_unit_arg()), page)
    package = ocds.release_package([json.loads(r) for r in rows], request.url)
    package["links"] = {"next": None}
    if page < pages_for(total, 100):
        args = dict(request.args, page=page + 1)
        package["links"]["next"] = request.base_url + "?" + "&".join(f"{k}={v}" for k, v in args.items())
    return jsonify(package)


@bp.get("/ocds/bulk/<code>.json")
def bulk(code):
    """Every release of a unit (village, township or county) as one streamed release package."""
    unit = Unit.get_or_none(Unit.code == code)
    if unit is None:
        raise NotFound("not_found", N_("行政区划代码不存在。"))
    villages, uri = queries.villages_under(unit), request.url

    def generate():
        # The body is sent after the request's teardown closed its connection: the stream holds its own.
        with connection():
            _, rows = queries.release_rows(villages)
            yield from ocds.release_package_chunks((r[0] for r in rows), uri)
    return Response(stream_with_context(generate()), mimetype="application/json")

