"""The meetings part of the OpenAPI document (REST side of the live broadcasts)."""
from portal.core.openapi import (INTEGER, STRING, TIME, array, listing, obj, operation, param, path_id, ref)
from portal.meetings.kinds import POSTABLE
from portal.meetings.models import KINDS, STEPS

TAG = "meetings"
N_INT = {"type": ["integer", "null"]}
_STATUS = {"type": "string", "enum": ["scheduled", "live", "ended"]}

SCHEMAS = {
    "Meeting": obj(("id", "village", "title", "kind", "starts_at", "place", "host", "status", "agenda", "last_seq",
                    "url"),
                   id=INTEGER, village=STRING, title=STRING, kind={"type": "string", "enum": list(KINDS)},
                   kind_name=STRING, starts_at=TIME, place=STRING, host=STRING, status=_STATUS,
                   links=array(obj(("type", "id"), type=STRING, id=STRING, title={"type": ["string", "null"]})),
                   agenda=array(obj(("index", "step", "title"), index=INTEGER, step=STRING, step_name=STRING,
                                    title=STRING)),
                   last_seq=INTEGER, peak_viewers=N_INT, started_at=TIME, ended_at=TIME,
                   archive_audit_index=N_INT, publication_id=N_INT, url=STRING, replay_url=STRING),
    "MeetingItem": obj(("meeting", "seq", "kind", "data", "at"), meeting=INTEGER, seq=INTEGER, kind=STRING,
                       data={"type": "object"}, at=TIME),
}
_POSTED = obj(("ok", "seq"), ok={"const": True}, seq=INTEGER)
_ID = [path_id()]

PATHS = {
    "/api/v1/meetings": {
        "get": operation("Meetings of a village or the county, newest first (50 a page)", TAG,
                         params=[param("village"), param("page", schema={"type": "integer", "minimum": 1,
                                                                         "maximum": 10000})],
                         response=listing("meetings", ref("Meeting"))),
        "post": operation("Schedule a meeting (clerk of the village)", TAG, status="201", auth=True,
                          body=obj(("village", "title", "kind", "starts_at", "place"), village=STRING, title=STRING,
                                   kind={"type": "string", "enum": list(KINDS)},
                                   starts_at={"type": "string", "format": "date-time",
                                              "description": "ISO 8601 (China time without offset), 1949–2100"},
                                   place=STRING, host=STRING,
                                   agenda=array(obj(("step", "title"), step={"type": "string", "enum": list(STEPS)},
                                                    title=STRING)),
                                   links=array(obj(("type", "id"), type=STRING, id=STRING, title=STRING))),
                          response=ref("Meeting")),
    },
    "/api/v1/meetings/{id}": {"get": operation("One meeting with its agenda and state", TAG, params=_ID,
                                               response=ref("Meeting"))},
    "/api/v1/meetings/{id}/start": {"post": operation(
        "Go live (host)", TAG, params=_ID, auth=True,
        response=obj(("id", "status", "seq"), id=INTEGER, status={"const": "live"}, seq=INTEGER))},
    "/api/v1/meetings/{id}/end": {"post": operation("End and archive (host)", TAG, params=_ID, auth=True,
                                                    response=ref("Meeting"))},
    "/api/v1/meetings/{id}/items": {
        "get": operation("Items with seq > after, in order (catch-up over HTTP)", TAG,
                         params=_ID + [param("after", schema={"type": "integer", "minimum": 0, "maximum": 2**31}),
                                       param("limit", schema={"type": "integer", "minimum": 1, "maximum": 500})],
                         response=obj(("meeting", "status", "last_seq", "items"), meeting=INTEGER, status=_STATUS,
                                      last_seq=INTEGER, items=array(ref("MeetingItem")))),
        "post": operation("Post an item (host): the REST twin of the socket post event", TAG, params=_ID,
                          status="201", auth=True,
                          body=obj(("kind", "data"), kind={"type": "string", "enum": list(POSTABLE)},
                                   data={"type": "object"}),
                          response=_POSTED),
    },
    "/api/v1/meetings/{id}/photos": {"post": operation(
        "Upload a photo (host): JPEG/PNG/WebP ≤ 5 MB", TAG, params=_ID, status="201", auth=True,
        form=obj(("photo",), photo={"type": "string", "format": "binary"}, caption=STRING), response=_POSTED)},
}
