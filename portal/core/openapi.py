"""The OpenAPI document at ``GET /api/v1/openapi.json``, assembled from the domains.

Each domain registers its paths (and schemas) in its ``setup(app)`` with
``register(paths, schemas)``; the document is built on request so it always
describes exactly the domains loaded.
"""
from flask import jsonify

_paths = {}
_schemas = {}

ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
}


def register(paths, schemas=None):
    """Add ``{"/api/v1/...": {"get": {...}}}`` operations and named component schemas."""
    for path, operations in paths.items():
        _paths.setdefault(path, {}).update(operations)
    _schemas.update(schemas or {})


def document():
    return {
        "openapi": "3.1.0",
        "info": {"title": "阳光村务 · Sunlight Village Portal API", "version": "1"},
        "paths": dict(sorted(_paths.items())),
        "components": {
            "schemas": dict(_schemas, Error=ERROR_SCHEMA),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def init_app(app):
    app.add_url_rule("/api/v1/openapi.json", "openapi", lambda: jsonify(document()))
