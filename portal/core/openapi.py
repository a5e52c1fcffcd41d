"""The OpenAPI 3.1 document at ``GET /api/v1/openapi.json``, assembled from the domains.

The registry lives on the app (``app.extensions["openapi"]``), so two apps in
one process (tests, the CLI) never see each other's paths. Each API blueprint
declares its paths beside its handlers (``<domain>/openapi_paths.py``) and
names them in its descriptor (``Domain.openapi_paths`` / ``openapi_schemas``;
record types' generic API documents itself): installing the domain on an app
registers its routes and their description together, in that app only. ``tests/api/test_openapi.py`` walks
``app.url_map`` and fails for any ``/api/v1`` route the document lacks.

Schemas describe the real shape of each answer; ``additionalProperties`` is
left open so a field added later does not break a generated client. Every
operation documents ``4XX`` with the one error object.
"""
from flask import current_app, jsonify

EXTENSION = "openapi"

ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
}

# Shorthands for the operation tables in each domain's openapi_paths.py.
STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
TIME = {"type": ["string", "null"], "format": "date-time", "description": "ISO 8601, China time (+08:00)"}
DATE = {"type": ["string", "null"], "format": "date"}
MONEY = {"type": ["string", "null"], "pattern": r"^\d+\.\d{2}$", "description": "yuan, two decimals"}


def nullable(schema):
    """``schema`` or null (a field the object always carries, sometimes empty)."""
    types = schema.get("type", "object")
    types = types if isinstance(types, list) else [types]
    return dict(schema, type=types + ["null"] if "null" not in types else types)


def obj(required=(), **props):
    """An object schema; ``required`` are the fields always present. Other fields may follow."""
    return {"type": "object", "required": list(required),
            "properties": {k: {"type": v} if isinstance(v, str) else v for k, v in props.items()}}


def array(items):
    return {"type": "array", "items": items}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def listing(plural, item):
    """The one list shape: ``{"<plural>": [...], "page", "pages", "total"}``."""
    return obj((plural, "page", "pages", "total"), **{plural: array(item)}, page=INTEGER, pages=INTEGER,
               total=INTEGER)


def param(name, where="query", schema=None, required=None, description=None):
    out = {"name": name, "in": where, "required": where == "path" if required is None else required,
           "schema": schema or (INTEGER if where == "path" else STRING)}
    if description:
        out["description"] = description
    return out


def path_id(name="id"):
    """An id in a path: a positive integer the bounded converter accepts (portal.core.routing)."""
    from portal.core.routing import MAX_ID
    return param(name, "path", {"type": "integer", "minimum": 0, "maximum": MAX_ID})


def operation(summary, tag, *, params=(), body=None, response=None, status="200", auth=False, form=None,
              description=None):
    """One operation: its parameters, request body, answer and ``4XX`` error object."""
    op = {"summary": summary, "tags": [tag], "operationId": None,
          "parameters": list(params),
          "responses": {status: {"description": "OK", "content": {"application/json": {
              "schema": response or {"type": "object"}}}},
              "4XX": {"description": "error (code and message, Chinese; English with ?lang=en)",
                      "content": {"application/json": {"schema": ref("Error")}}}}}
    if description:
        op["description"] = description
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if form is not None:
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": form}}}
    if auth:
        op["security"] = [{"bearer": []}]
    return op


def registry(app):
    """The app's ``{"paths", "schemas"}`` (created on first use)."""
    return app.extensions.setdefault(EXTENSION, {"paths": {}, "schemas": {}})


def register(app, paths, schemas=None):
    """Add ``{"/api/v1/...": {"get": {...}}}`` operations and named component schemas to ``app``."""
    reg = registry(app)
    for path, operations in paths.items():
        reg["paths"].setdefault(path, {}).update(operations)
    reg["schemas"].update(schemas or {})


def _operation_ids(paths):
    for path, operations in paths.items():
        for method, op in operations.items():
            if not op.get("operationId"):
                slug = path.removeprefix("/api/v1/").replace("{", "").replace("}", "").replace("/", "_")
                op["operationId"] = f"{method}_{slug}".replace("-", "_").replace(".", "_")
    return paths


def document(app=None):
    reg = registry(app or current_app)
    paths = {p: {m: dict(op) for m, op in ops.items()} for p, ops in sorted(reg["paths"].items())}
    return {
        "openapi": "3.1.0",
        "info": {"title": "阳光村务 · Sunlight Village Portal API", "version": "1",
                 "description": "Public data of the county's villages. Errors: "
                                "{\"error\": {\"code\", \"message\"}}; messages in Chinese, English with "
                                "?lang=en or Accept-Language: en."},
        "paths": _operation_ids(paths),
        "components": {
            "schemas": dict(reg["schemas"], Error=ERROR_SCHEMA),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


OPENAPI_PATHS = {"/api/v1/openapi.json": {"get": operation(
    "This document", "meta", response={"type": "object", "required": ["openapi", "paths"]})}}


def init_app(app):
    register(app, OPENAPI_PATHS)
    app.add_url_rule("/api/v1/openapi.json", "openapi", lambda: jsonify(document()))
