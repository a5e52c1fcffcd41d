"""A broadcast item on the wire and as sealed in the audit log (two formats, one place).

The wire form follows API.md (China time, ``iso``); the sealed form is what
the item's audit entry hashed and must never change, or ``verify`` would
reject every item already in the log.
"""
from portal.core.clock import iso, sealed_iso


def item_payload(item):
    """The wire form of an item (API.md): ``{"meeting", "seq", "kind", "data", "at"}``."""
    return {"meeting": item.meeting_id, "seq": item.seq, "kind": item.kind, "data": item.data,
            "at": iso(item.at)}


def sealed_item(meeting_id, seq, kind, data, at):
    """An item's audit payload, in the format its entries were sealed with."""
    return {"meeting": meeting_id, "seq": seq, "kind": kind, "data": data,
            "at": sealed_iso(at, utc=True, timespec="milliseconds")}
