"""The audit part of the OpenAPI document (registered when ``portal.core.openapi`` is present)."""


def _op(summary, params=()):
    return {"summary": summary, "tags": ["audit"],
            "parameters": [{"name": n, "in": "query", "required": req, "schema": {"type": "integer", "minimum": 0}}
                           for n, req in params],
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                          "400": {"description": "bad range", "content": {"application/json": {
                              "schema": {"$ref": "#/components/schemas/Error"}}}}}}


PATHS = {
    "/api/v1/audit/checkpoint": {"get": _op("Latest signed checkpoint (C2SP tlog-checkpoint, Ed25519 signed note)")},
    "/api/v1/audit/checkpoints": {"get": _op("Signed checkpoint history, newest first",
                                             (("before", False), ("limit", False)))},
    "/api/v1/audit/entries": {"get": _op("Log entries; leaf is base64 of the RFC 6962 leaf bytes (limit ≤ 1000); "
                                         "actor is a public label, never a login name; an older entry naming a "
                                         "login name has leaf null and redacted true (check it by leaf_hash)",
                                         (("start", False), ("limit", False)))},
    "/api/v1/audit/proof/inclusion": {"get": _op("RFC 9162 inclusion proof", (("index", True), ("size", False)))},
    "/api/v1/audit/proof/consistency": {"get": _op("RFC 9162 consistency proof (from ≥ 1)",
                                                   (("from", True), ("to", True)))},
}
