"""Open data over HTTP (API.md § Dashboard and open data): stats from the precomputed rows, the zip."""
import re

from flask import Blueprint, jsonify, request, send_file, url_for
from werkzeug.http import parse_range_header

from portal.core.api import register_api_errors
from portal.core.errors import NotFound, ValidationError
from portal.core.routing import to_id
from portal.dashboard import export, queries
from portal.dashboard.models import ExportJob

bp = Blueprint("dashboard_api", __name__, url_prefix="/api/v1")
register_api_errors(bp)
CODE = re.compile(r"^\d{12}$")


def unit_or_error(code):
    """The unit, or ``bad_unit`` (400) for a code that is not 12 digits, ``unit_not_found`` (404)."""
    if not CODE.match(code or ""):
        raise ValidationError("bad_unit", "单位代码必须是12位数字。")
    unit = queries.find_unit(code)
    if unit is None:
        raise NotFound("unit_not_found", "找不到该县、乡镇或村（社区）。")
    return unit


def _page(unit):
    return url_for("dashboard.unit_page", code=unit.code, _external=True)


def _job_url(job):
    return url_for("dashboard_api.export_job", job_id=job.id, _external=True)


def _zip_url(job):
    return url_for("dashboard_api.export_zip", code=job.unit, _external=True)


@bp.get("/stats/<code>")
def stats(code):
    """The unit's precomputed figures and its children's → 200; 400 bad_unit, 404 unit_not_found."""
    unit = unit_or_error(code)
    return jsonify(queries.stats_json(unit, _page))


@bp.get("/export/<code>.zip")
def export_zip(code):
    """The unit's open-data zip (200, ranges allowed) when built and current; otherwise 202 with the
    build's job and its progress URL (the same job for every caller while it builds)."""
    unit = unit_or_error(code)
    if "Range" in request.headers and parse_range_header(request.headers["Range"]) is None:
        raise ValidationError("bad_range", "Range 请求头格式不正确，例如 bytes=0-1023。", status=416)
    job, _started = export.request_export(unit)
    if job.status == "ready":
        response = send_file(job.path, mimetype="application/zip", as_attachment=True,
                             download_name=f"{unit.code}.zip", conditional=True, etag=job.sha256)
        response.headers["X-Export-Job"] = str(job.id)
        return response
    response = jsonify(export.job_json(job, _job_url, _zip_url))
    response.status_code = 202
    response.headers["Location"] = _job_url(job)
    response.headers["Retry-After"] = "2"
    return response


@bp.get("/export/jobs/<int:job_id>")
def export_job(job_id):
    """An export build's status and progress → 200; 404 export_job_not_found."""
    job = ExportJob.get_or_none(ExportJob.id == to_id(job_id))
    if job is None:
        raise NotFound("export_job_not_found", "找不到该导出任务。")
    return jsonify(export.job_json(job, _job_url, _zip_url))
