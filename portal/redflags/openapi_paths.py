"""OpenAPI description of the red-flag API."""
_ERR = {"4XX": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}


def _ok(schema):
    return {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}, **_ERR}


SCHEMAS = {
    "RedFlag": {"type": "object", "required": ["code", "title", "object", "evidence", "raised_at"], "properties": {
        "id": {"type": "integer"}, "code": {"type": "string"}, "title": {"type": "string"},
        "village": {"type": "string"},
        "object": {"type": "object", "required": ["type", "id"], "properties": {
            "type": {"type": "string"}, "id": {"type": "integer"}, "url": {"type": ["string", "null"]}}},
        "evidence": {"type": "object"}, "raised_at": {"type": "string", "format": "date-time"}}},
}

PATHS = {
    "/api/v1/redflags": {"get": {
        "summary": "Open red flags (computed, never typed in)", "tags": ["redflags"],
        "parameters": [{"name": n, "in": "query", "schema": {"type": t}} for n, t in
                       (("village", "string"), ("township", "string"), ("code", "string"), ("page", "integer"))],
        "responses": _ok({"type": "object", "required": ["flags", "page", "pages", "total"], "properties": {
            "flags": {"type": "array", "items": {"$ref": "#/components/schemas/RedFlag"}},
            "page": {"type": "integer"}, "pages": {"type": "integer"}, "total": {"type": "integer"}}})}},
    "/api/v1/redflags/rules": {"get": {
        "summary": "The rules and what they check", "tags": ["redflags"], "parameters": [],
        "responses": _ok({"type": "object", "properties": {"rules": {"type": "array", "items": {
            "type": "object", "properties": {"code": {"type": "string"}, "title": {"type": "string"},
                                             "description": {"type": "string"},
                                             "watches": {"type": "array", "items": {"type": "string"}}}}}}})}},
}
