"""Redaction: withholding the bytes of older entries whose payload holds personal data.

The log never changes an entry. When text logged earlier turns out to hold
personal data the application's detector missed at the time (the portal's
masking was improved), the application re-masks its rows and, in the same
transaction, appends one *redaction entry* for the record, action
``<object type>.redaction``, whose payload names the older entries and which of
their payload fields were re-masked — never the data itself::

    {"redacts": [{"index": 12, "fields": ["body", "title"], "payload_sha256": "…" | null}],
     "row_fields": ["publication.body_masked", …], "why": "personal_data"}

``payload_sha256`` is the hash of the payload re-derived from the re-masked rows
(null where the entry is not re-derivable); ``rehashed`` (optional) names digest
fields over content re-masked in other entries (a meeting archive's hash of its
items, each item checked through its own entry), taken as re-derived. Every named entry gets a row in
``audit_redaction``: a portal then serves its leaf hash but not its bytes, whose
``payload_sha256`` would let anyone test guesses of the hidden number (an ID
number has too few possibilities to hide behind a hash). The tree, the chain
and every checkpoint stay as they were: a remote verifier checks such an entry
by its leaf hash alone.

``verify`` accepts, for a named entry, a row that re-derives to the entry's own
stored payload with the named fields passed through the application's masker
(``sources.register_masker``) and to the hash the redaction logged; any other
difference still fails, as does a redaction entry that names a later entry.
"""
import hashlib
import json
import re
from dataclasses import dataclass

from audit import log
from audit.models import AuditEntry, AuditRedaction

SUFFIX = ".redaction"
WHY_PERSONAL_DATA = "personal_data"
# Hex digests and salts in payloads (raw_sha256, attachment hashes) are never personal data, but one
# in a few hundred holds a digit run shaped like a mobile number: the masker never sees them.
HEX_TOKEN = re.compile(r"[0-9a-f]{32,128}")


def action_for(object_type):
    return object_type + SUFFIX


def mask_value(value, masker):
    """``value`` with every string in it (inside lists and objects too) passed through ``masker``."""
    if isinstance(value, str):
        return value if HEX_TOKEN.fullmatch(value) else masker(value)
    if isinstance(value, list):
        return [mask_value(v, masker) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v, masker) for k, v in value.items()}
    return value


def mask_fields(payload, fields, masker):
    """``payload`` with each named top-level field masked: what a redacted entry's payload becomes."""
    if not isinstance(payload, dict):
        return payload
    return {k: (mask_value(v, masker) if k in fields else v) for k, v in payload.items()}


def fields_holding(payload, masker):
    """The top-level fields of ``payload`` that ``masker`` would still change, sorted (a list payload: none)."""
    if not isinstance(payload, dict):
        return []
    return sorted(k for k, v in payload.items() if mask_value(v, masker) != v)


def append(actor, object_type, object_id, items, why=WHY_PERSONAL_DATA, row_fields=None):
    """Append the redaction entry of one record and withhold the entries it names.

    ``items``: ``{"index", "fields", "payload_sha256"}`` per older entry; ``row_fields``:
    the application's names of the stored fields it re-masked (logged as they are). Runs inside
    the caller's transaction (``log.append`` refuses otherwise), so the re-masked rows,
    this entry and the withholding commit together.
    """
    items = sorted((dict({"index": int(i["index"]), "fields": sorted(i["fields"]), "payload_sha256": i["payload_sha256"]},
                         **({"rehashed": sorted(i["rehashed"])} if i.get("rehashed") else {}))
                    for i in items), key=lambda i: i["index"])
    payload = {"redacts": items, "why": why}
    if row_fields is not None:
        payload["row_fields"] = list(row_fields)
    entry = log.append(actor, action_for(object_type), object_type, object_id, payload)
    for item in items:
        (AuditRedaction.insert(idx=item["index"], by_index=entry.index)
         .on_conflict(conflict_target=[AuditRedaction.idx], update={AuditRedaction.by_index: entry.index})
         .execute())
    return entry


def withheld(indexes):
    """``{index: redaction entry index}`` for those of ``indexes`` whose bytes are withheld."""
    indexes = sorted({int(i) for i in indexes})
    out = {}
    for start in range(0, len(indexes), 500):
        chunk = indexes[start:start + 500]
        out.update(AuditRedaction.select(AuditRedaction.idx, AuditRedaction.by_index)
                   .where(AuditRedaction.idx.in_(chunk)).tuples())
    return out


@dataclass
class Redacted:
    """What the log's redaction entries say about one older entry (the latest naming it wins)."""
    by: int  # the latest redaction entry naming it
    fields: frozenset  # every field any redaction named
    payload_sha256: str | None  # the re-derived payload's hash the latest redaction logged
    rehashed: frozenset = frozenset()  # digest fields over content re-masked in other entries


class RedactionError(ValueError):
    def __init__(self, index, message):
        super().__init__(message)
        self.index = index


def from_log():
    """``({index: Redacted}, {indexes of the redaction entries}))`` read from the redaction entries
    ``audit_redaction`` points at, checked as it goes.

    Each redaction entry's payload must match its entry's ``payload_sha256`` and name
    only earlier entries, and each entry it names must be withheld (``audit_redaction``).
    The table is only the index (read in milliseconds, where finding redaction entries
    by action would read the whole log): ``verify`` also refuses any redaction entry it
    meets that is not among these, so deleting the table's rows is caught too.
    """
    out = {}
    by = [i for (i,) in AuditRedaction.select(AuditRedaction.by_index).distinct().tuples()]
    rows = list(AuditEntry.select(AuditEntry.idx, AuditEntry.entry, AuditEntry.payload)
                .where(AuditEntry.idx.in_(by)).order_by(AuditEntry.idx).tuples()) if by else []
    if len(rows) != len(by):
        raise RedactionError(min(set(by) - {r[0] for r in rows}), "audit_redaction names a redaction entry "
                                                                  "that is not in the log")
    for idx, data, payload_text in rows:
        fields = json.loads(bytes(data))
        if not str(fields.get("action", "")).endswith(SUFFIX):
            raise RedactionError(idx, "audit_redaction names an entry that is not a redaction")
        if hashlib.sha256(payload_text.encode("utf-8")).hexdigest() != fields.get("payload_sha256"):
            raise RedactionError(idx, "stored redaction payload does not match the entry's payload hash")
        try:
            items = json.loads(payload_text)["redacts"]
            named = [(int(i["index"]), i["fields"], i["payload_sha256"], i.get("rehashed", ())) for i in items]
        except (KeyError, TypeError, ValueError):
            raise RedactionError(idx, "redaction entry does not say which entries it redacts") from None
        for index, names, sha, rehashed in named:
            if not 0 <= index < idx:
                raise RedactionError(idx, f"redaction names entry {index}, which is not an earlier entry")
            seen = out.get(index)
            out[index] = Redacted(idx, frozenset(names) | (seen.fields if seen else frozenset()), sha,
                                  frozenset(rehashed) | (seen.rehashed if seen else frozenset()))
    served = set(out) - set(withheld(out))
    if served:
        first = min(served)
        raise RedactionError(first, f"redacted by entry {out[first].by} but its bytes are still served "
                                    "(no audit_redaction row)")
    return out, set(by)
