"""The follow-ups and campaigns part of the OpenAPI document (API.md "Follow-ups and campaigns")."""
from portal.core.openapi import (BOOLEAN, DATE, INTEGER, STRING, TIME, array, listing, nullable, obj, operation,
                                 param, path_id, ref)

_STATE = {"type": "string", "enum": ["waiting", "escalated", "answered", "concluded"]}
_FINDING = {"type": ["string", "null"], "enum": ["no_problem", "rectified", "referred", None]}
_STEP = obj(("kind", "text", "at"), kind={"type": "string", "enum": ["open", "answer", "ask_again", "extend",
                                                                      "escalate", "conclude"]},
            text=STRING, at=TIME, due=DATE,
            files=array(obj(("name", "sha256"), name=STRING, sha256=STRING, size=INTEGER)))
_VILLAGE_PROGRESS = obj(("village", "open", "overdue", "answered", "concluded"), village=STRING, name=STRING,
                        open=INTEGER, overdue=INTEGER, answered=INTEGER, concluded=INTEGER, flags=INTEGER,
                        no_problem=INTEGER, rectified=INTEGER, referred=INTEGER,
                        # other domains' members the caller may know of (reports: inspectors in scope only)
                        members={"type": "object", "additionalProperties": obj(
                            ("open", "answered", "concluded"), open=INTEGER, answered=INTEGER, concluded=INTEGER)})
SCHEMAS = {
    "Followup": obj(("id", "object", "question", "assignee", "due", "visibility", "state", "url", "audit_index"),
                    id=INTEGER, object=obj(("type", "id"), type=STRING, id=INTEGER, title=STRING,
                                           url=nullable(STRING)),
                    village=STRING, question=STRING, assignee=STRING, due=DATE, extended=BOOLEAN,
                    visibility={"type": "string", "enum": ["public", "internal"]}, state=_STATE, state_name=STRING,
                    overdue=BOOLEAN, escalated_to=nullable(STRING), round=INTEGER, campaign=nullable(INTEGER),
                    finding=_FINDING, finding_name=nullable(STRING), conclusion=nullable(STRING),
                    thread=array(_STEP), created_at=TIME, updated_at=TIME, audit_index=nullable(INTEGER), url=STRING),
    "Campaign": obj(("id", "title", "theme", "unit", "state", "progress", "url"), id=INTEGER, title=STRING,
                    theme={"type": "string", "enum": ["capitals", "housing", "relief", "projects", "benefits",
                                                      "conduct", "other"]},
                    theme_name=STRING, unit=STRING, state={"type": "string", "enum": ["active", "published"]},
                    starts_on=DATE, ends_on=DATE, description=STRING, summary=nullable(STRING), published_at=TIME,
                    progress=obj(("villages", "totals"), villages=array(_VILLAGE_PROGRESS), totals=_VILLAGE_PROGRESS),
                    audit_index=nullable(INTEGER), url=STRING),
}
_F = ref("Followup")
_C = ref("Campaign")
_ERRORS = ("Errors: bad_object (404), not_allowed (403, outside the inspector's scope), missing_assignee, "
           "bad_assignee, missing_question, missing_due, bad_due, due_in_past, bad_visibility, object_not_public, "
           "bad_campaign; not_assignee (403); bad_state (409); already_extended (409); missing_finding, bad_finding.")

PATHS = {
    "/api/v1/followups": {
        "post": operation("Open a follow-up (督办) on any record (inspector)", "followups", status="201", auth=True,
                          description=_ERRORS,
                          body=obj(("object", "assignee", "question", "due"),
                                   object=obj(("type", "id"), type=STRING, id=INTEGER),
                                   assignee={"description": "a username, \"role@unit code\" or {unit, role}",
                                             "oneOf": [STRING, obj(("unit", "role"), unit=STRING, role=STRING)]},
                                   question=STRING, due=DATE,
                                   visibility={"type": "string", "enum": ["public", "internal"]},
                                   campaign=nullable(INTEGER), flag=nullable(INTEGER)),
                          response=_F),
        "get": operation("Public follow-ups, newest first", "followups",
                         params=[param("object_type"), param("object_id", schema=INTEGER), param("village"),
                                 param("campaign", schema=INTEGER), param("page", schema=INTEGER),
                                 param("mine", schema={"type": "string", "enum": ["1"]},
                                       description="with a token: the caller's own work, internal included"),
                                 param("state", schema={"type": "string", "enum": ["open", "overdue", "concluded"]})],
                         response=listing("followups", _F))},
    "/api/v1/followups/{id}": {"get": operation("One follow-up (internal ones to the inspectors and assignee)",
                                                "followups", params=[path_id()], response=_F)},
    "/api/v1/followups/{id}/answer": {"post": operation(
        "Answer (the assignee); JSON {text} or multipart text + files", "followups", params=[path_id()], auth=True,
        body=obj(("text",), text=STRING), response=_F, description=_ERRORS)},
    "/api/v1/followups/{id}/ask_again": {"post": operation(
        "Ask again (inspector)", "followups", params=[path_id()], auth=True,
        body=obj(("question",), question=STRING, due=DATE), response=_F)},
    "/api/v1/followups/{id}/extend": {"post": operation(
        "Extend the deadline once, with a reason (inspector)", "followups", params=[path_id()], auth=True,
        body=obj(("due", "reason"), due=DATE, reason=STRING), response=_F)},
    "/api/v1/followups/{id}/conclude": {"post": operation(
        "Conclude with a finding (inspector)", "followups", params=[path_id()], auth=True,
        body=obj(("conclusion", "finding"), conclusion=STRING,
                 finding={"type": "string", "enum": ["no_problem", "rectified", "referred"]}), response=_F)},
    "/api/v1/campaigns": {
        "post": operation("Open a campaign (点题整治, inspector)", "campaigns", status="201", auth=True,
                          body=obj(("title", "theme", "unit"), title=STRING, theme=STRING, unit=STRING,
                                   starts_on=DATE, ends_on=DATE, description=STRING), response=_C),
        "get": operation("Published campaigns", "campaigns", params=[param("page", schema=INTEGER)],
                         response=listing("campaigns", _C))},
    "/api/v1/campaigns/{id}": {"get": operation("One campaign with its progress per village", "campaigns",
                                                params=[path_id()], response=_C)},
    "/api/v1/campaigns/{id}/publish": {"post": operation(
        "Publish the campaign's summary (inspector)", "campaigns", params=[path_id()], auth=True,
        body=obj(("summary",), summary=STRING), response=_C)},
}
