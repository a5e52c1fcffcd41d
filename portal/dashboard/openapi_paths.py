"""The dashboard and open-data part of the OpenAPI document."""
from portal.core.openapi import INTEGER, STRING, TIME, array, obj, operation, param, path_id, ref

_CODE = param("code", "path", {"type": "string", "pattern": r"^\d{12}$"}, description="12-digit unit code")
_FIGURE = obj(("key", "domain", "label", "kind", "value", "ok"), key=STRING, domain=STRING, label=STRING,
              kind={"type": "string", "enum": ["count", "money", "rate", "hours"]},
              value={"description": "int, money string, rate 0..1, hours, or null"}, ok={"type": "boolean"},
              url={"type": ["string", "null"]})
_JOB = obj(("job", "unit", "status", "progress", "progress_url"), job=INTEGER, unit=STRING,
           status={"type": "string", "enum": ["building", "ready", "failed"]},
           progress=obj(("done", "total"), done=INTEGER, total=INTEGER), created_at=TIME, finished_at=TIME,
           progress_url=STRING, download_url={"type": ["string", "null"]}, sha256={"type": ["string", "null"]},
           bytes={"type": ["integer", "null"]})

SCHEMAS = {
    "UnitStats": obj(("unit", "computed_at", "values", "figures", "children"),
                     unit=obj(("code", "name", "level"), code=STRING, name=STRING, level=STRING, url=STRING,
                              parent={"type": ["string", "null"]}),
                     computed_at=TIME, complete={"type": "boolean"},
                     values={"type": "object", "description": "figure key -> value"},
                     figures=array(_FIGURE),
                     children=array(obj(("code", "name", "level", "values"), code=STRING, name=STRING,
                                        level=STRING, url=STRING, values={"type": "object"}))),
    "ExportJob": _JOB,
}

_zip_op = operation("The unit's open-data zip (CSV, JSON, documents, dictionary, signed manifest)", "open data",
                    params=[_CODE], response=ref("ExportJob"), status="202",
                    description="200 application/zip when built and current (Range requests allowed); "
                                "202 with the build job while it is built.")
_zip_op["responses"]["200"] = {"description": "the zip", "content": {"application/zip": {
    "schema": {"type": "string", "format": "binary"}}}}

PATHS = {
    "/api/v1/stats/{code}": {"get": operation(
        "A unit's dashboard figures and its children's (precomputed)", "open data", params=[_CODE],
        response=ref("UnitStats"))},
    "/api/v1/export/{code}.zip": {"get": _zip_op},
    "/api/v1/export/jobs/{job_id}": {"get": operation(
        "An export build's status and progress", "open data", params=[path_id("job_id")], response=ref("ExportJob"))},
}
