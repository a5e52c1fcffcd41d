"""The seals part of the OpenAPI document: the real shape of every answer."""
from portal.core.openapi import (BOOLEAN, DATE, INTEGER, STRING, TIME, array, listing, nullable, obj, operation,
                                 param, path_id, ref)
from portal.seals.vocab import MATTERS, SEAL_KINDS, SEAL_STATES, USE_STATES

TAG = "seals"
N_STR = {"type": ["string", "null"]}
N_INT = {"type": ["integer", "null"]}
URL = {"type": "string", "format": "uri"}


def _op(summary, **kw):
    return operation(summary, TAG, **kw)


_HANDOVER = obj(("id", "handed_on", "from_keeper", "to_keeper", "witness"), id=INTEGER, handed_on=DATE,
                from_keeper=STRING, to_keeper=STRING, witness=STRING, impression_sha256=N_STR, impression_url=N_STR)
_DECISION = nullable(obj(("type", "id"), type={"type": "string", "enum": ["publication", "meeting"]}, id=INTEGER,
                         title=STRING, url=STRING))
_CERT = obj(("code", "name", "kind", "kind_name"), code=STRING, name=STRING,
            kind={"type": "string", "enum": ["may_issue", "commitment", "must_not"]}, kind_name=STRING,
            alternative=STRING, basis=STRING, scope=N_STR)

SCHEMAS = {
    "Seal": obj(("id", "state", "name", "kind", "keeper", "approver", "village", "url", "audit_index", "handovers"),
                id=INTEGER, type=STRING, state={"type": "string", "enum": list(SEAL_STATES)}, state_name=STRING,
                title=STRING, name=STRING, kind={"type": "string", "enum": list(SEAL_KINDS)}, kind_name=STRING,
                keeper=STRING, approver=STRING, village=STRING, registered_on=DATE, status_on=DATE,
                status_reason=STRING, url=URL, audit_index=N_INT, updated_at=TIME, handovers=array(_HANDOVER)),
    "SealUse": obj(("id", "state", "seal", "used_on", "purpose", "document", "copies", "applicant", "approver",
                    "village", "url", "audit_index"),
                   id=INTEGER, type=STRING, state={"type": "string", "enum": list(USE_STATES)}, state_name=STRING,
                   title=STRING, seal=INTEGER, seal_name=STRING, seal_kind=STRING, used_on=DATE, purpose=STRING,
                   document=STRING, copies=INTEGER,
                   applicant={"type": "string", "description": "surname only (李某)"}, approver=STRING,
                   handler=STRING, keeper=STRING, seal_state=STRING,
                   matter={"type": "string", "enum": list(MATTERS)}, matter_name=STRING, needs_vote=BOOLEAN,
                   decision=_DECISION, certificate=STRING, certificate_name=STRING, certificate_kind=STRING,
                   certificate_kind_name=N_STR, left_office=BOOLEAN, out_at=TIME, returned_at=TIME,
                   recorded_at=TIME, village=STRING, url=URL, audit_index=N_INT, updated_at=TIME),
    "Certificate": _CERT,
}

_NEW_SEAL = obj(("village", "name", "kind", "keeper", "approver"), village=STRING, name=STRING,
                kind={"type": "string", "enum": list(SEAL_KINDS)}, keeper=STRING,
                approver={"type": "string", "description": "never the keeper"}, registered_on=DATE)
_NEW_USE = obj(("seal", "used_on", "purpose", "document", "copies", "applicant", "approver"),
               seal=INTEGER, used_on={"type": "string", "format": "date", "description": "not in the future"},
               purpose=STRING, document=STRING, copies={"type": "integer", "minimum": 1}, applicant=STRING,
               approver={"type": "string", "description": "blank: used without approval (flagged)"},
               handler=STRING, certificate={"type": "string", "description": "code or name from /certificates"},
               decision=_DECISION, matter={"type": "string", "enum": list(MATTERS)}, left_office=BOOLEAN)
_STEP = obj((), date=DATE, reason=STRING, to_keeper=STRING, witness=STRING, handed_on=DATE)
_VILLAGE = param("village", description="village code")
_PAGE = param("page", schema=INTEGER)

PATHS = {
    "/api/v1/seals": {
        "get": _op("The seal register", params=[_VILLAGE, _PAGE], response=listing("seals", ref("Seal"))),
        "post": _op("Register a seal (clerk)", body=_NEW_SEAL, response=ref("Seal"), status="201", auth=True)},
    "/api/v1/seals/{id}": {"get": _op("One seal with its handovers", params=[path_id()], response=ref("Seal"))},
    "/api/v1/seals/{id}/{step}": {"post": _op(
        "Suspend, resume, report lost, destroy, or hand over a seal (clerk)", auth=True,
        params=[path_id(), param("step", "path", {"type": "string", "enum": [
            "suspend", "resume", "report_lost", "destroy", "handover"]})],
        body=_STEP, response=ref("Seal"),
        description="handover also accepts multipart/form-data with the impression image in `impression`")},
    "/api/v1/seal-uses": {
        "get": _op("The public use log, newest first", response=listing("seal_uses", ref("SealUse")), params=[
            _VILLAGE, param("seal", schema=INTEGER), param("from", schema=DATE), param("to", schema=DATE),
            param("certificate", description="1: certificates only"), param("out", description="1: taken out"),
            _PAGE]),
        "post": _op("Record a use of a seal (clerk, at the time of use)", body=_NEW_USE, response=ref("SealUse"),
                    status="201", auth=True, params=[param("Idempotency-Key", "header", required=False,
                                                             description="the same key again: 200 with the use already recorded")])},
    "/api/v1/seal-uses/{id}": {"get": _op("One use", params=[path_id()], response=ref("SealUse"))},
    "/api/v1/seal-uses/{id}/return": {"post": _op(
        "The seal taken out for this use came back (clerk)", params=[path_id()], auth=True,
        body=obj((), returned_at=TIME), response=ref("SealUse"))},
    "/api/v1/certificates": {
        "get": _op("The certificate list (证明事项清单) in force", params=[_VILLAGE, param("county")],
                   response=obj(("certificates", "kinds", "page", "pages", "total"), certificates=array(ref(
                       "Certificate")), kinds=array(obj(("code", "name"), code=STRING, name=STRING)),
                       village=N_STR, page=INTEGER, pages=INTEGER, total=INTEGER)),
        "post": _op("Add or replace a county's entry (admin)", auth=True, status="201", response=ref("Certificate"),
                    body=obj(("county", "code", "name", "kind"), county=STRING, code=STRING, name=STRING,
                             kind={"type": "string", "enum": ["may_issue", "commitment", "must_not"]},
                             alternative=STRING, basis=STRING))},
}
