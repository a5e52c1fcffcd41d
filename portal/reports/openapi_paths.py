"""The reports part of the OpenAPI document."""
from portal.core.openapi import BOOLEAN, DATE, INTEGER, STRING, TIME, array, listing, obj, operation, param, path_id, ref

TAG = "reports"
N_STR = {"type": ["string", "null"]}
N_INT = {"type": ["integer", "null"]}
STATUS = {"type": "string", "enum": ["new", "handling", "closed"]}
RECEIPT = {"type": "string", "description": "16 digits; spaces and dashes are ignored", "maxLength": 40}
PASS = {"type": "string", "description": "the inspector's report passphrase (unlocks their key for this call)"}


def _op(summary, **kw):
    return operation(summary, TAG, **kw)


_MESSAGE = obj(("kind", "text", "at"), kind={"type": "string", "enum": ["inspector", "conclusion", "reporter"]},
               text=STRING, at=TIME)
_PROOF = {"type": ["object", "null"], "description": "the filing entry's inclusion proof in the latest signed "
                                                    "checkpoint (null until the hour's filings are sealed)"}
_META = obj(("id", "unit", "unit_name", "status", "status_name", "filed", "campaign", "followup", "identity_given",
             "can_open", "audit_index", "expires_on"),
            id=INTEGER, unit=STRING, unit_name=STRING, status=STATUS, status_name=STRING, filed=TIME,
            campaign=N_INT, followup=N_INT, identity_given=BOOLEAN, can_open=BOOLEAN, audit_index=N_INT,
            expires_on=DATE)
_LOOKUP = obj(("status", "status_name", "filed", "replies", "added", "attachments", "proof"),
              status=STATUS, status_name=STRING, filed=TIME, replies=array(_MESSAGE), added=array(
                  obj(("text", "at"), text=STRING, at=TIME)),
              attachments=array(obj(("name", "size"), name=STRING, size=INTEGER)), proof=_PROOF)

SCHEMAS = {"ReportMeta": _META}

PATHS = {
    "/api/v1/reports": {
        "post": _op("File a report (no token; nothing about the sender is kept)", status="201",
                    body=obj(("unit", "text"), unit=STRING, text=STRING, campaign=N_INT,
                             identity={"oneOf": [STRING, obj((), name=STRING, contact=STRING)]}),
                    response=obj(("receipt",), receipt={"type": "string", "pattern": r"^\d{16}$"},
                                 receipt_text=STRING, note=STRING)),
        "get": _op("Inspector: reports in scope, metadata only", auth=True,
                   params=[param("status", schema=STATUS), param("page", schema={"type": "integer", "minimum": 1})],
                   response=listing("reports", ref("ReportMeta"))),
    },
    "/api/v1/reports/lookup": {"post": _op("The reporter's status and replies, by receipt (rate-limited)",
                                           body=obj(("receipt",), receipt=RECEIPT), response=_LOOKUP)},
    "/api/v1/reports/lookup/add": {"post": _op("The reporter adds text, by receipt", status="201",
                                               body=obj(("receipt", "text"), receipt=RECEIPT, text=STRING),
                                               response=_LOOKUP)},
    "/api/v1/reports/{id}/open": {"post": _op(
        "Inspector: decrypt one report (audited: who and which report)", auth=True, params=[path_id()],
        body=obj(("passphrase",), passphrase=PASS),
        response={"allOf": [ref("ReportMeta"), obj(("text", "attachments", "messages", "opened_audit_index"),
                                                   text=STRING, messages=array(_MESSAGE),
                                                   attachments=array(obj(("name", "mime", "size"), name=STRING,
                                                                         mime=STRING, size=INTEGER)),
                                                   opened_audit_index=INTEGER)]})},
}
for _action, _body, _summary in (
        ("reply", obj(("passphrase", "text"), passphrase=PASS, text=STRING), "Inspector: reply to the reporter"),
        ("close", obj(("passphrase", "conclusion"), passphrase=PASS, conclusion=STRING), "Inspector: close"),
        ("link", obj((), campaign=N_INT, followup=N_INT), "Inspector: link to a campaign or follow-up"),
        ("grant", obj(("passphrase", "to"), passphrase=PASS, to=STRING), "Inspector: grant another inspector"),
        ("revoke", obj(("to",), to=STRING), "Inspector: revoke a grant")):
    PATHS[f"/api/v1/reports/{{id}}/{_action}"] = {"post": _op(_summary, auth=True, params=[path_id()], body=_body,
                                                              response=ref("ReportMeta"))}
