"""Re-masking what an older personal-data detector let through, without breaking the log.

Records masked before the detector learnt mistyped and 15-digit ID numbers and
split or full-width digits keep their stored masked text, and the payloads of
their audit entries hold the same text. ``redact_all`` closes that, one record
per transaction:

1. each domain's ``Remasker`` (declared in its descriptor) rewrites the record's
   stored public text by masking it again with today's detector;
2. in the same transaction the record's older entries whose payload the detector
   would still change are named by one redaction entry (``audit.redaction``:
   action ``<type>.redaction``, the entries and their fields, never the text),
   which withholds their bytes from the public (leaf null, ``redacted``) while
   their leaf hashes keep binding the tree and every checkpoint;
3. after commit the projections (search index, feeds) follow the re-masked rows.

A record is redacted only if every entry named re-derives from the re-masked rows
to its own payload masked (what ``verify`` will check); otherwise the whole
transaction rolls back and the record is reported. Only entries of the object
types a remasker declares (``entry_types``: payloads of masked public text) are
considered: a unit's contact phone is public on purpose. Such entries left over
(a record type on the core keeps its text raw and masks every payload, so its
rows need no change; a draft whose text was later edited clean) are withheld
the same way, one redaction per object, when their source (if any) already gives
the masked payload; the rest are reported as needing their domain's remasker.
Running it again finds nothing to do and writes nothing.
"""
import hashlib
import json
from dataclasses import dataclass, field

from audit import redaction, sources
from audit.encoding import canonical_json
from audit.models import AuditEntry
from audit.verify import SourceEntry
from portal.core import registry
from portal.core.db import transaction
from portal.core.personal_data import could_hold_personal_data, mask

BATCH = 2000


class NotRemaskable(Exception):
    """An entry would not verify after the redaction: its rows are not (fully) re-masked."""

    def __init__(self, index, message):
        super().__init__(f"entry {index}: {message}")
        self.index = index


@dataclass
class Report:
    records: list = field(default_factory=list)  # (object type, id, redaction entry index, row fields, entries)
    skipped: list = field(default_factory=list)  # (object type, id, why)

    @property
    def written(self):
        return len(self.records)


def remask_value(value):
    """``value`` masked with today's detector (strings only; None and the rest unchanged)."""
    return mask(value) if isinstance(value, str) else value


def _named_fields(by_index):
    """Fields each entry already named by redaction entry ``by_index``: {index: set}."""
    row = AuditEntry.get_or_none(AuditEntry.idx == by_index)
    if row is None:
        return {}
    return {item["index"]: set(item["fields"]) for item in json.loads(row.payload)["redacts"]}


def _items_for(entries, rehashed=None):
    """The redaction items for those of ``entries`` whose payload still holds personal data.

    An entry already withheld for the same fields is left out (a second run writes
    nothing). Each item is checked as ``verify`` will check it: the payload its
    source re-derives from today's rows is the stored payload with those fields masked.
    """
    withheld = redaction.withheld(e.idx for e in entries)
    named = {}
    items = []
    for e in entries:
        digests = (rehashed or {}).get(e.object_type, ())
        if not digests and not could_hold_personal_data(e.payload):
            continue
        payload = json.loads(e.payload)
        fields = redaction.fields_holding(payload, mask)
        if not fields:
            # no personal data of its own, but a digest over re-masked content moved (an archive's items)
            item = _checked_item(e, payload, [], digests) if digests and e.idx not in withheld else {}
            if item.get("rehashed"):
                items.append(item)
            continue
        if e.idx in withheld:
            by = withheld[e.idx]
            if by not in named:
                named[by] = _named_fields(by)
            if set(fields) <= named[by].get(e.idx, set()):
                continue
        items.append(_checked_item(e, payload, fields, (rehashed or {}).get(e.object_type, ())))
    return items


def _checked_item(e, payload, fields, digests):
    """The redaction item of entry ``e``, once its re-derived payload is what ``verify`` will accept:
    the stored payload with ``fields`` masked, and (``digests``) digest fields re-derived."""
    item = {"index": e.idx, "fields": fields, "payload_sha256": None}
    fn = sources.get(e.object_type)
    if fn is None:
        return item
    entry_fields = json.loads(bytes(e.entry))
    derived = fn(SourceEntry(e.idx, e.action, e.object_type, e.object_id, payload, entry_fields))
    if derived is None:
        return item
    expected = redaction.mask_fields(payload, fields, mask)
    moved = sorted(k for k in set(expected) | set(derived) if expected.get(k) != derived.get(k))
    if moved and set(moved) <= set(digests):
        item["rehashed"] = moved
    elif moved:
        raise NotRemaskable(e.idx, f"{e.object_type} {e.object_id} does not re-derive to its masked payload "
                                   "(its stored text is not re-masked: its domain declares no remasker for it)")
    item["payload_sha256"] = hashlib.sha256(canonical_json(derived)).hexdigest()
    return item


def _entries_of(objects):
    out = []
    for object_type, object_id in objects:
        out.extend(AuditEntry.select().where((AuditEntry.object_type == object_type)
                                             & (AuditEntry.object_id == str(object_id))))
    return sorted(out, key=lambda e: e.idx)


def redact_record(remasker, record_id, actor=None):
    """Re-mask one record and withhold its older entries, in one transaction; the redaction
    entry, or None when there was nothing to do (nothing written)."""
    with transaction(lock=True):
        fields, objects = remasker.remask(record_id)
        items = _items_for(_entries_of(objects), remasker.rehashed)
        if not fields and not items:
            return None, fields, items
        entry = redaction.append(actor, remasker.object_type, record_id, items, row_fields=sorted(fields))
        return entry, fields, items


def redact_all(actor=None, app=None):
    """Every domain's remaskers, then the entries left over; returns a ``Report``."""
    report = Report()
    remaskers = registry.of(app).remaskers
    for remasker in remaskers:
        for record_id in list(remasker.candidates()):
            _redact_one(report, remasker.object_type, record_id,
                        lambda: redact_record(remasker, record_id, actor))
    for (object_type, object_id), entries in leftover_objects(entry_types(app)):
        _redact_one(report, object_type, object_id, lambda: _redact_entries(actor, object_type, object_id, entries))
    return report


def _redact_one(report, object_type, object_id, run):
    try:
        entry, fields, items = run()
    except NotRemaskable as exc:
        report.skipped.append((object_type, str(object_id), str(exc)))
        return
    if entry is not None:
        report.records.append((object_type, str(object_id), entry.index, sorted(fields), [i["index"] for i in items]))


def _redact_entries(actor, object_type, object_id, indexes):
    """Withhold entries of an object no remasker covers (its rows need no change)."""
    with transaction(lock=True):
        entries = list(AuditEntry.select().where(AuditEntry.idx.in_(indexes)).order_by(AuditEntry.idx))
        items = _items_for(entries)
        if not items:
            return None, [], items
        return redaction.append(actor, object_type, object_id, items), [], items


def entry_types(app=None):
    """Object types whose payloads hold only masked public text (what the remaskers declare)."""
    return sorted({t for r in registry.of(app).remaskers for t in r.entry_types})


def leftover_objects(types):
    """[((object type, object id), [entry indexes])] of entries of ``types`` still holding personal data
    and not yet withheld, in log order; streamed over the whole log in batches."""
    found = {}
    last = -1
    while True:
        rows = list(AuditEntry.select(AuditEntry.idx, AuditEntry.object_type, AuditEntry.object_id,
                                      AuditEntry.payload, AuditEntry.action)
                    .where((AuditEntry.idx > last) & AuditEntry.object_type.in_(types))
                    .order_by(AuditEntry.idx).limit(BATCH))
        if not rows:
            break
        last = rows[-1].idx
        suspects = [r for r in rows if not r.action.endswith(redaction.SUFFIX) and could_hold_personal_data(r.payload)
                    and redaction.fields_holding(json.loads(r.payload), mask)]
        withheld = redaction.withheld(r.idx for r in suspects)
        for r in suspects:
            if r.idx not in withheld:
                found.setdefault((r.object_type, r.object_id), []).append(r.idx)
    return list(found.items())
