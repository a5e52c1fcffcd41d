"""The publications part of the OpenAPI document: the real shape of every answer."""
from portal.core.openapi import (BOOLEAN, DATE, INTEGER, MONEY, STRING, TIME, array, listing, nullable, obj,
                                 operation, param, path_id, ref)

TAG = "publications"
STATUS = {"type": "string", "enum": ["draft", "returned", "approved", "published", "superseded", "withdrawn"]}
N_STR = {"type": ["string", "null"]}
N_INT = {"type": ["integer", "null"]}


def _op(summary, **kw):
    return operation(summary, TAG, **kw)


_DRAFT = obj(("village", "category", "title"), village=STRING, category=STRING, title=STRING, body=STRING,
             power=STRING, period_start={"type": "string", "format": "date"},
             period_end={"type": "string", "format": "date"},
             amount={"type": ["string", "number"], "description": "金额 in yuan, ≥ 0, two decimals at most"},
             decided_on={"type": "string", "format": "date", "description": "决定日期, required with amount"},
             steps=array(obj(("step", "done_on"), step=INTEGER, done_on={"type": "string", "format": "date"},
                             note=STRING)))
_REASON = obj(("reason",), reason=STRING)
_STATE = obj(("id", "status"), id=INTEGER, status=STATUS)
_OBJECTION = obj(("id", "text", "created_at", "answer", "answered_at", "unanswered"), id=INTEGER, text=STRING,
                 created_at=TIME, answer=N_STR, answered_at=TIME, unanswered=BOOLEAN)
_PERIOD = nullable(obj(("state", "shown", "unanswered", "pending", "answered"), state=STRING, shown=INTEGER,
                       unanswered=INTEGER, pending=INTEGER, answered=INTEGER))
_CODE_NAME = obj(("code", "name"), code=STRING, name=STRING)

SCHEMAS = {
    "PublicationBrief": obj(("id", "title", "village", "category", "status", "version", "series", "published_at",
                             "audit_index", "url", "amount", "decided_on"),
                            id=INTEGER, title=STRING, village=STRING, category=STRING, category_name=N_STR,
                            power=N_STR, status=STATUS, status_name=N_STR, version=INTEGER, series=N_INT,
                            period_start=DATE, period_end=DATE, published_at=TIME, audit_index=N_INT,
                            url={"type": "string", "format": "uri"}, amount=MONEY, decided_on=DATE),
    "Publication": {"allOf": [ref("PublicationBrief"), obj(
        ("body", "body_html", "versions", "attachments", "objections", "steps", "qr", "print"),
        village_name=STRING, power_name=N_STR, power_category=N_STR, power_category_name=N_STR,
        body=STRING, body_html=STRING, correction_note=N_STR, supersedes=N_INT, superseded_by=N_INT,
        withdrawn_at=TIME, withdraw_reason=N_STR, withdraw_audit_index=N_INT,
        versions=array(obj(("id", "version", "status", "url"), id=INTEGER, version=INTEGER, status=STATUS,
                           published_at=TIME, url=STRING)),
        attachments=array(obj(("id", "filename", "mime", "size", "sha256", "url"), id=INTEGER, filename=STRING,
                              mime=STRING, size=INTEGER, sha256=STRING, url=STRING)),
        period=_PERIOD, objections=array(_OBJECTION),
        steps=array(obj(("position", "name", "state"), position=INTEGER, name=STRING, role=N_STR,
                        limit_days=N_INT, state=STRING, done_on=DATE)),
        review_note=N_STR, masking=array(obj(("kind", "masked"), kind=STRING, kind_name=STRING, masked=STRING)),
        qr=STRING, print=STRING)]},
    "Objection": _OBJECTION,
}

PATHS = {
    "/api/v1/categories": {"get": _op("Disclosure and micro-power categories", response=obj(
        ("categories", "power_categories"), categories=array(_CODE_NAME), power_categories=array(_CODE_NAME)))},
    "/api/v1/powers": {"get": _op("The power list (权力清单) with steps", response=obj(("powers",), powers=array(obj(
        ("code", "name", "category", "steps"), code=STRING, name=STRING, category=STRING, basis=N_STR,
        steps=array(obj(("id", "position", "name"), id=INTEGER, position=INTEGER, name=STRING, role=N_STR,
                        limit_days=N_INT))))))},
    "/api/v1/publications": {
        "get": _op("List public publications, newest first (20 a page)",
                   params=[param("village"), param("category"), param("power_category"),
                           param("year", schema={"type": "integer", "minimum": 1949, "maximum": 2100}),
                           param("status", schema={"type": "string",
                                                   "enum": ["published", "superseded", "withdrawn"]}),
                           param("page", schema={"type": "integer", "minimum": 1, "maximum": 100000})],
                   response=listing("publications", ref("PublicationBrief"))),
        "post": _op("Draft a publication (clerk)", body=_DRAFT, status="201", auth=True,
                    response=ref("Publication")),
    },
    "/api/v1/publications/{id}": {
        "get": _op("One publication version (masked)", params=[path_id()], response=ref("Publication")),
        "put": _op("Edit a draft (clerk)", params=[path_id()], body=_DRAFT, auth=True, response=ref("Publication")),
    },
    "/api/v1/publications/{id}/approve": {"post": _op("Approve a draft (supervisor)", params=[path_id()],
                                                      auth=True, response=_STATE)},
    "/api/v1/publications/{id}/send-back": {"post": _op(
        "Send a draft back with a reason (supervisor)", params=[path_id()], body=_REASON, auth=True,
        response=obj(("id", "status", "reason"), id=INTEGER, status=STATUS, reason=N_STR))},
    "/api/v1/publications/{id}/publish": {"post": _op(
        "Publish an approved draft (clerk)", params=[path_id()], auth=True,
        response=obj(("id", "status", "audit_index", "url"), id=INTEGER, status=STATUS, audit_index=INTEGER,
                     url=STRING))},
    "/api/v1/publications/{id}/correct": {"post": _op(
        "Correct a published record: a new draft version (clerk)", params=[path_id()], status="201", auth=True,
        body=obj(("correction_note",), correction_note=STRING, title=STRING, body=STRING),
        response=ref("Publication"))},
    "/api/v1/publications/{id}/withdraw": {"post": _op(
        "Withdraw a published record (clerk)", params=[path_id()], body=_REASON, auth=True,
        response=obj(("id", "status", "audit_index"), id=INTEGER, status=STATUS, audit_index=N_INT))},
    "/api/v1/publications/{id}/attachments": {"post": _op(
        "Attach a PDF/JPEG/PNG to a draft (clerk)", params=[path_id()], status="201", auth=True,
        form=obj(("file",), file={"type": "string", "format": "binary"}),
        response=obj(("id", "filename", "mime", "size", "sha256"), id=INTEGER, filename=STRING, mime=STRING,
                     size=INTEGER, sha256=STRING))},
    "/api/v1/publications/{id}/steps": {"post": _op(
        "Record a power-list step (clerk)", params=[path_id()], status="201", auth=True,
        body=obj(("step", "done_on"), step=INTEGER, done_on={"type": "string", "format": "date"}, note=STRING),
        response=obj(("id", "step", "done_on"), id=INTEGER, step=INTEGER, done_on=DATE))},
    "/api/v1/publications/{id}/objections": {
        "get": _op("Moderated objections with answers", params=[path_id()],
                   response=obj(("objections", "period"), objections=array(ref("Objection")), period=_PERIOD)),
        "post": _op("Lodge an objection during the 公示 period (resident)", params=[path_id()], status="201",
                    auth=True, body=obj(("text",), text=STRING),
                    response=obj(("id", "status"), id=INTEGER, status=STRING)),
    },
    "/api/v1/objections/{id}/moderate": {"post": _op(
        "Show or reject an objection (supervisor)", params=[path_id()], auth=True,
        body=obj(("decision",), decision={"type": "string", "enum": ["show", "reject"]}, note=STRING),
        response=obj(("id", "status"), id=INTEGER, status=STRING))},
    "/api/v1/objections/{id}/answer": {"post": _op("Answer a shown objection (clerk)", params=[path_id()],
                                                   auth=True, body=obj(("text",), text=STRING),
                                                   response=ref("Objection"))},
    "/api/v1/villages/{code}/duties": {"get": _op(
        "Publication duties of a village", params=[param("code", "path", STRING)],
        response=obj(("village", "duties"), village=STRING, duties=array(obj(
            ("rule", "category", "frequency", "state", "deadline"), rule=STRING, category=N_STR,
            frequency=N_STR, state=STRING, deadline=DATE, kind=STRING, threshold=MONEY, within_days=N_INT,
            matters=array(obj(("decided_on", "deadline", "state"), decided_on=DATE, deadline=DATE,
                              published_on=DATE, state=STRING, publication=N_INT, amount=MONEY))))))},
}
