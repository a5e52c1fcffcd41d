"""OpenAPI paths of ``/api/v1/projects`` and ``/api/v1/ocds`` (API.md, "Project bids")."""
from portal.core.openapi import DATE, MONEY, INTEGER, STRING, array, listing, obj, operation, param, path_id, ref

TAG = "projects"
PROJECT = obj(("id", "ocid", "procedure", "state", "url", "audit_index"), id=INTEGER, ocid=STRING,
              procedure={"type": "string", "enum": ["quotes", "invited", "open"]}, state=STRING, title=STRING,
              village=STRING, budget=MONEY, url=STRING, ocds_url=STRING, audit_index=INTEGER,
              bids=array(obj(("id", "bidder", "amount", "status"), id=INTEGER, bidder=STRING, amount=MONEY,
                             status=STRING, late={"type": "boolean"})))
STEP_ANSWER = obj(("id", "project", "audit_index"), id=INTEGER, project=INTEGER, audit_index=INTEGER,
                  project_view=ref("Project"))
BODIES = {
    "tender": (obj(("deadline",), deadline={"type": "string", "format": "date-time"}, description=STRING),
               "Publish the tender notice (a publication) with its submission deadline", "200", ref("Project")),
    "opening": (obj(()), "Start the 开标会 live meeting (the first bid starts it too)", "200", ref("Project")),
    "bids": (obj(("bidder", "amount"), bidder=STRING, amount=MONEY, received_at={"type": "string", "format": "date-time"},
                 credit_code=STRING, contact=STRING),
             "Record a bid at the opening; its price is read out live; after the deadline it is marked late", "201",
             obj(("id", "project", "late"), id=INTEGER, project=INTEGER, late={"type": "boolean"},
                 live_seq=INTEGER, status=STRING, audit_index=INTEGER)),
    "evaluation": (obj(("bids",), bids=array(obj(("bid", "status"), bid=INTEGER, status=STRING, reason=STRING))),
                   "Evaluate: each bid valid or disqualified with its reason", "200", ref("Project")),
    "award": (obj(("bid",), bid=INTEGER, reason=STRING), "Award to a bid (reason required unless the lowest valid)",
              "200", ref("Project")),
    "contract": (obj(("amount", "signed_on"), amount=MONEY, signed_on=DATE), "Sign the contract", "200", ref("Project")),
    "amendments": (obj(("amount", "reason"), amount=MONEY, reason=STRING, amended_on=DATE),
                   "Amend the contract value", "201", STEP_ANSWER),
    "milestones": (obj(("title",), title=STRING, done_on=DATE), "A milestone of the works", "201", STEP_ANSWER),
    "acceptance": (obj(()), "Acceptance (验收)", "201", STEP_ANSWER),
    "payments": (obj(("amount", "paid_on"), amount=MONEY, paid_on=DATE, ledger_entry=INTEGER),
                 "A payment, linked to the three-capitals ledger entry where that exists", "201", STEP_ANSWER),
}
UNIT_PARAMS = [param("village"), param("township"), param("page", schema=INTEGER)]
_PACKAGE = {"type": "object", "description": "An OCDS 1.1.5 package (record or release package)",
            "properties": {"uri": {"type": "string"}, "version": {"type": "string"},
                           "releases": {"type": "array"}, "records": {"type": "array"}}}

PATHS = {
    "/api/v1/projects": {
        "get": operation("Village works processes", TAG, params=UNIT_PARAMS, response=listing("projects", ref("Project"))),
        "post": operation("Create a project (立项); the procedure follows from the budget", TAG, auth=True,
                          status="201", response=ref("Project"),
                          body=obj(("village", "title", "budget"), village=STRING, title=STRING, budget=MONEY,
                                   description=STRING, funding_source=STRING, decision=STRING)),
    },
    "/api/v1/projects/{id}": {"get": operation("One process", TAG, params=[path_id()], response=ref("Project"))},
    "/api/v1/projects/{id}/ocds": {"get": operation(
        "The OCDS 1.1.5 record package (compiled record and releases)", TAG, params=[path_id()],
        response=_PACKAGE)},
    "/api/v1/ocds/releases": {"get": operation("An OCDS 1.1.5 release package, 100 releases a page", TAG,
                                               params=UNIT_PARAMS, response=_PACKAGE)},
    "/api/v1/ocds/bulk/{code}.json": {"get": operation(
        "Every release of a unit as one release package (streamed)", TAG,
        params=[param("code", "path", STRING)], response={"type": "object", "required": ["releases"], "properties": {
            "uri": {"type": "string"}, "publishedDate": {"type": "string"},
            "releases": {"type": "array", "items": {"type": "object"}}}})},
}
for path, (body, summary, status, answer) in BODIES.items():
    PATHS[f"/api/v1/projects/{{id}}/{path}"] = {"post": operation(summary, TAG, params=[path_id()], body=body,
                                                                 auth=True, status=status, response=answer)}
SCHEMAS = {"Project": PROJECT}
