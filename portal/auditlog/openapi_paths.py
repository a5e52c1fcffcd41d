"""The audit part of the OpenAPI document (RFC 6962 tree, C2SP checkpoints)."""
from portal.core.openapi import INTEGER, STRING, TIME, array, obj, operation, param

_HEX = {"type": "string", "pattern": "^[0-9a-f]*$"}
_INDEX = {"type": "integer", "minimum": 0, "maximum": 2**53}


def _op(summary, params=(), response=None):
    return operation(summary, "audit", params=[param(n, schema=dict(_INDEX, minimum=low), required=req)
                                                for n, req, low in params], response=response)


_CHECKPOINT = obj(("size", "root", "checkpoint", "key_name", "public_key", "key_id", "issued_at"),
                  size=INTEGER, root=_HEX, checkpoint=STRING, key_name=STRING,
                  public_key={"type": "string", "description": "base64 of the raw 32-byte Ed25519 key"},
                  key_id=_HEX, issued_at=TIME)

SCHEMAS = {
    "Checkpoint": _CHECKPOINT,
    "AuditEntry": obj(("index", "leaf", "leaf_hash", "action", "object_type", "object_id"),
                      index=INTEGER, leaf={"type": ["string", "null"], "description": "base64 of the RFC 6962 leaf bytes; "
                                                   "null (redacted) for an older entry naming a login name or "
                                                   "one a redaction entry withholds"},
                      actor={"type": ["string", "null"]}, redacted={"type": "boolean"},
                      redacted_by={"type": "integer", "description": "the redaction entry withholding this "
                                                                     "entry (its payload held personal data)"},
                      leaf_hash=_HEX, action=STRING, object_type=STRING,
                      object_id={"type": "string", "description": "the record's key as sealed (e.g. '12', '5:3')"}),
}

PATHS = {
    "/api/v1/audit/checkpoint": {"get": _op("Latest signed checkpoint (C2SP tlog-checkpoint, Ed25519 signed note)",
                                            response={"$ref": "#/components/schemas/Checkpoint"})},
    "/api/v1/audit/checkpoints": {"get": _op(
        "Signed checkpoint history, newest first", (("before", False, 0), ("limit", False, 1)),
        response=obj(("checkpoints",), checkpoints=array({"allOf": [{"$ref": "#/components/schemas/Checkpoint"},
                                                                     obj(("id",), id=INTEGER)]})))},
    "/api/v1/audit/entries": {"get": _op(
        "Log entries; leaf is base64 of the RFC 6962 leaf bytes (limit ≤ 1000)",
        (("start", False, 0), ("limit", False, 1)),
        response=obj(("size", "entries"), size=INTEGER, entries=array({"$ref": "#/components/schemas/AuditEntry"})))},
    "/api/v1/audit/proof/inclusion": {"get": _op(
        "RFC 9162 inclusion proof", (("index", True, 0), ("size", False, 0)),
        response=obj(("index", "size", "leaf_hash", "proof", "root"), index=INTEGER, size=INTEGER, leaf_hash=_HEX,
                     proof=array(_HEX), root=_HEX))},
    "/api/v1/audit/proof/consistency": {"get": _op(
        "RFC 9162 consistency proof (from ≥ 1)", (("from", True, 1), ("to", True, 0)),
        response=obj(("from", "to", "proof", "from_root", "to_root"), **{"from": INTEGER}, to=INTEGER,
                     proof=array(_HEX), from_root=_HEX, to_root=_HEX))},
}
