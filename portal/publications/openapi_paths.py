"""The publications part of the OpenAPI document."""


def _op(summary, *, params=(), body=None, ok="200", auth=False, schema=None):
    op = {"summary": summary, "tags": ["publications"],
          "responses": {ok: {"description": "OK", "content": {"application/json": {
              "schema": {"$ref": f"#/components/schemas/{schema}"} if schema else {"type": "object"}}}},
              "4XX": {"description": "error", "content": {"application/json": {
                  "schema": {"$ref": "#/components/schemas/Error"}}}}}}
    op["parameters"] = [{"name": n, "in": where, "required": where == "path",
                         "schema": {"type": "integer" if n in ("id", "page", "year") else "string"}}
                        for n, where in params]
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if auth:
        op["security"] = [{"bearer": []}]
    return op


def _obj(required=(), **props):
    return {"type": "object", "required": list(required),
            "properties": {k: {"type": v} if isinstance(v, str) else v for k, v in props.items()}}


_ID = (("id", "path"),)
_DRAFT = _obj(("village", "category", "title"), village="string", category="string", title="string", body="string",
              power="string", period_start={"type": "string", "format": "date"},
              period_end={"type": "string", "format": "date"},
              amount={"type": ["string", "number"], "description": "金额 in yuan, ≥ 0, two decimals at most"},
              decided_on={"type": "string", "format": "date", "description": "决定日期, required with amount"},
              steps={"type": "array", "items": _obj(("step", "done_on"), step="integer", done_on="string")})
_REASON = _obj(("reason",), reason="string")

SCHEMAS = {
    "PublicationBrief": _obj(("id", "title", "village", "category", "status", "url"),
                             id="integer", title="string", village="string", category="string",
                             status={"type": "string", "enum": ["draft", "returned", "approved", "published",
                                                                 "superseded", "withdrawn"]},
                             version="integer", published_at="string", audit_index="integer", url="string",
                             amount={"type": ["string", "null"]}, decided_on={"type": ["string", "null"]}),
    "Publication": {"allOf": [{"$ref": "#/components/schemas/PublicationBrief"},
                              _obj(body="string", body_html="string", versions="array", attachments="array",
                                   objections="array", steps="array", withdraw_reason="string",
                                   correction_note="string")]},
}

PATHS = {
    "/api/v1/categories": {"get": _op("Disclosure and micro-power categories")},
    "/api/v1/powers": {"get": _op("The power list (权力清单) with steps")},
    "/api/v1/publications": {
        "get": _op("List public publications", params=[("village", "query"), ("category", "query"),
                                                        ("power_category", "query"), ("year", "query"),
                                                        ("status", "query"), ("page", "query")]),
        "post": _op("Draft a publication (clerk)", body=_DRAFT, ok="201", auth=True, schema="Publication"),
    },
    "/api/v1/publications/{id}": {
        "get": _op("One publication version (masked)", params=_ID, schema="Publication"),
        "put": _op("Edit a draft (clerk)", params=_ID, body=_DRAFT, auth=True, schema="Publication"),
    },
    "/api/v1/publications/{id}/approve": {"post": _op("Approve a draft (supervisor)", params=_ID, auth=True)},
    "/api/v1/publications/{id}/send-back": {"post": _op("Send a draft back with a reason (supervisor)",
                                                        params=_ID, body=_REASON, auth=True)},
    "/api/v1/publications/{id}/publish": {"post": _op("Publish an approved draft (clerk)", params=_ID, auth=True)},
    "/api/v1/publications/{id}/correct": {"post": _op(
        "Correct a published record: a new draft version (clerk)", params=_ID, ok="201", auth=True,
        body=_obj(("correction_note",), correction_note="string", title="string", body="string"))},
    "/api/v1/publications/{id}/withdraw": {"post": _op("Withdraw a published record (clerk)", params=_ID,
                                                       body=_REASON, auth=True)},
    "/api/v1/publications/{id}/attachments": {"post": {**_op("Attach a PDF/JPEG/PNG to a draft (clerk)",
                                                             params=_ID, ok="201", auth=True),
                                                       "requestBody": {"content": {"multipart/form-data": {
                                                           "schema": _obj(("file",), file={
                                                               "type": "string", "format": "binary"})}}}}},
    "/api/v1/publications/{id}/steps": {"post": _op("Record a power-list step (clerk)", params=_ID, ok="201",
                                                    auth=True, body=_obj(("step", "done_on"), step="integer",
                                                                         done_on="string", note="string"))},
    "/api/v1/publications/{id}/objections": {
        "get": _op("Moderated objections with answers", params=_ID),
        "post": _op("Lodge an objection during the 公示 period (resident)", params=_ID, ok="201", auth=True,
                    body=_obj(("text",), text="string")),
    },
    "/api/v1/objections/{id}/moderate": {"post": _op(
        "Show or reject an objection (supervisor)", params=_ID, auth=True,
        body=_obj(("decision",), decision={"type": "string", "enum": ["show", "reject"]}, note="string"))},
    "/api/v1/objections/{id}/answer": {"post": _op("Answer a shown objection (clerk)", params=_ID, auth=True,
                                                   body=_obj(("text",), text="string"))},
    "/api/v1/villages/{code}/duties": {"get": _op("Publication duties of a village", params=[("code", "path")])},
}
