"""The appeals part of the OpenAPI document."""
from portal.appeals.limits import CATEGORIES
from portal.appeals.services import STAFF_ACTIONS, STATES
from portal.core.openapi import BOOLEAN, INTEGER, STRING, TIME, array, listing, obj, operation, param, \
    path_id, ref

TAG = "appeals"
RATE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
HOURS = {"type": ["number", "null"]}
N_STR = {"type": ["string", "null"]}
STEP = obj(("action", "state", "at"), action=STRING, state=STRING, state_name=N_STR, at=TIME, unit=N_STR,
           department=STRING, note=STRING, audit_index={"type": ["integer", "null"]})

SCHEMAS = {
    "Appeal": obj(("id", "status", "category", "village", "text", "filed_at", "due_at", "overdue", "timeline", "url"),
                  id=INTEGER, status={"type": "string", "enum": list(STATES)}, state=STRING, status_name=STRING,
                  category={"type": "string", "enum": list(CATEGORIES)}, category_name=STRING, urgent=BOOLEAN,
                  village=STRING, village_name=STRING, grid=N_STR, grid_name=N_STR,
                  holder=obj(("code", "name", "level"), code=STRING, name=STRING, level=STRING),
                  department=STRING, text=STRING, reply=STRING, outcome=N_STR, reason=STRING,
                  duplicate_of={"type": ["integer", "null"]}, filed_by_agent=BOOLEAN, filed_at=TIME, due_at=TIME,
                  overdue=BOOLEAN, reopen_count=INTEGER, escalations=INTEGER, photos=array(STRING),
                  result_photos=array(STRING),
                  ratings=array(obj(("satisfied", "at"), satisfied=STRING, comment=STRING, at=TIME)),
                  timeline=array(STEP), audit_index={"type": ["integer", "null"]}, updated_at=TIME, url=STRING),
    "AppealStats": obj(("received", "closed", "closure_rate", "satisfaction_rate", "rated", "overdue",
                        "median_hours_to_close"),
                       unit=STRING, unit_name=STRING, level=STRING, received=INTEGER, accepted=INTEGER,
                       not_accepted=INTEGER, fixed=INTEGER, closed_unfixed=INTEGER, closed=INTEGER, counted=INTEGER,
                       closure_rate=RATE, fix_rate=RATE, rated=INTEGER, satisfaction_rate=RATE, rated_share=RATE,
                       overdue=INTEGER, overdue_rate=RATE, median_hours_to_reply=HOURS, p90_hours_to_reply=HOURS,
                       median_hours_to_close=HOURS, p90_hours_to_close=HOURS, min_ranked=INTEGER),
}
_FILED = obj(("id", "status", "due_at", "url"), id=INTEGER, status=STRING, receipt=STRING, due_at=TIME, url=STRING,
             repeated=BOOLEAN)
_ID = [path_id()]
PATHS = {
    "/api/v1/appeals": {
        "post": operation("File an appeal (anyone; a token files as that user, anonymous filers get a receipt)",
                          TAG, status="201", response=_FILED,
                          params=[param("Idempotency-Key", "header", required=False)],
                          body=obj(("village", "category", "text"), village=STRING, grid=STRING,
                                   category={"type": "string", "enum": list(CATEGORIES)}, text=STRING,
                                   urgent=BOOLEAN, place=STRING, idempotency_key=STRING,
                                   on_behalf=obj(("name",), name=STRING, phone=STRING))),
        "get": operation("Public appeals, newest first", TAG,
                         params=[param("village"), param("status"), param("page", schema={"type": "integer"})],
                         response=listing("appeals", ref("Appeal"))),
    },
    "/api/v1/appeals/{id}": {"get": operation("The public timeline of one appeal", TAG, params=_ID,
                                              response=ref("Appeal"))},
    "/api/v1/appeals/{id}/rate": {"post": operation(
        "The filer rates the latest reply (filer's token or receipt)", TAG, params=_ID, response=ref("Appeal"),
        body=obj(("satisfied",), satisfied=BOOLEAN, level={"type": "string", "enum": ["basic"]},
                 receipt=STRING, comment=STRING))},
    "/api/v1/appeals/{id}/{action}": {"post": operation(
        "A handler's step", TAG, auth=True, response=ref("Appeal"),
        params=_ID + [param("action", "path", {"type": "string", "enum": list(STAFF_ACTIONS)})],
        body=obj((), note=STRING, to=STRING, department=STRING, outcome={"type": "string", "enum": ["fixed", "unfixed"]},
                 departments=array(STRING)))},
    "/api/v1/appeals/lookup": {"post": operation("Open an appeal with its receipt (rate-limited)", TAG,
                                                 body=obj(("receipt",), receipt=STRING), response=ref("Appeal"))},
    "/api/v1/appeals/stats": {"get": operation(
        "Statistics of a unit (办结率, 满意率, overdue, hours)", TAG, response=ref("AppealStats"),
        params=[param("unit", required=True), param("from", schema={"type": "string", "format": "date"}),
                param("to", schema={"type": "string", "format": "date"}), param("children"),
                param("handler")])},
    "/api/v1/appeals/similar": {"get": operation(
        "Open appeals alike in the same grid or village", TAG, params=[param("village"), param("grid"), param("text")],
        response=obj(("appeals",), appeals=array(obj(("id", "url"), id=INTEGER, text=STRING, status=STRING,
                                                      status_name=STRING, url=STRING))))},
}
