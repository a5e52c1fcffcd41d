"""Keeping the red-flag table equal to what the rules compute.

After a commit that changed a watched type, each rule's ``check`` names the
flags of the objects the change may affect; ``apply`` raises, updates or clears
them. ``rebuild`` runs every rule's ``scan`` over the county and makes the table
equal to it (a test compares the two paths). The table is a projection: it can
always be recomputed, so a failing rule is logged and never blocks a write.
Changes are announced as ``public.changed`` of type ``redflag`` so the
dashboard's figures follow. How many flags each village and rule ever raised is
kept in ``red_flag_tally`` by the same transaction that inserts them (the
inspectors' funnel reads it); ``rebuild_tally`` recounts it from the rows.
"""
import json
import logging
from collections import Counter

from flask import current_app

from portal.core import events, memo, registry
from portal.core.clock import iso, utcnow
from portal.core.db import database, id_list, transaction
from portal.core.domain import Flag
from portal.redflags.models import RedFlag, RedFlagTally
from portal.units.models import Unit

log = logging.getLogger(__name__)


def rules(app=None):
    return registry.of(app or current_app).flag_rules


# One encoder for every flag (``json.dumps`` with options builds a new one per call, a third of the
# cost when a rebuild compares a county's evidence with the stored text).
_EVIDENCE_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)


def _evidence_text(evidence):
    return _EVIDENCE_JSON.encode(evidence)


CHUNK = 500  # ids per IN (...) and rows per INSERT: within every backend's parameter limit
READ_CHUNK = 5000  # object ids per read of their flags (written into the statement, no parameters)


def _chunks(items, size=CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _rows_of(codes, by_type=None):
    """{(code, object_type, object_id): (row id, village, evidence, cleared)} of the rules ``codes``: every
    row, or those of the objects in ``by_type`` ({object_type: [ids]}). Read as the driver gives them (a
    rebuild reads a county's flags: peewee's per-value conversion would cost more than the query)."""
    codes = sorted(codes)
    columns = (RedFlag.code, RedFlag.object_type, RedFlag.object_id, RedFlag.id, RedFlag.village, RedFlag.evidence,
               RedFlag.cleared_at.is_null(False))
    which = RedFlag.code == codes[0] if len(codes) == 1 else RedFlag.code.in_(codes)
    if by_type is None:
        queries = [RedFlag.select(*columns).where(which)]
    else:
        # ids written into the statement (``id_list``): peewee binding thousands of them one node each
        # cost more than the read, after every batch of a sweep
        queries = [RedFlag.select(*columns).where(which & (RedFlag.object_type == object_type)
                                                  & RedFlag.object_id.in_(id_list(chunk)))
                   for object_type, ids in by_type.items() for chunk in _chunks(sorted(ids), READ_CHUNK)]
    out = {}
    for query in queries:
        for code, object_type, object_id, row_id, village, evidence, cleared in database.execute(query).fetchall():
            out[(code, object_type, int(object_id))] = (row_id, village, evidence, bool(cleared))
    return out


def apply(code, flags, existing=None):
    """Raise, refresh or clear the given Flags of rule ``code``; returns how many rows changed."""
    return apply_all({code: flags}, existing)


def apply_all(flags_by_code, existing=None):
    """Raise, refresh or clear the given Flags ({rule code: [Flag]}); returns how many rows changed.

    A rebuild hands a county's flags at once, a change the flags of every rule that watches it: the
    rows are read, inserted, updated and cleared in bulk (a few statements per 500 flags, not a few per
    flag), in one locked transaction; each village whose flags moved is announced once (the dashboard
    counts a village's open flags). ``existing``: the rules' rows as ``_rows_of`` reads them, when the
    caller holds them already (rebuild)."""
    from peewee import fn
    wanted = {}
    for code, flags in flags_by_code.items():
        for flag in flags:  # the last word on an object wins
            wanted[(code, flag.object_type, int(flag.object_id))] = flag
    if not wanted:
        return 0
    now = utcnow()
    announce = {}  # village code -> the id of one of its rows that changed
    changed = 0
    with transaction(lock=True):
        if existing is None:
            by_type = {}
            for _code, object_type, object_id in wanted:
                by_type.setdefault(object_type, set()).add(object_id)
            existing = _rows_of({key[0] for key in wanted}, by_type)
        clear, new, rewrite = [], [], []
        for key, flag in wanted.items():
            row = existing.get(key)
            if flag.evidence is None:
                if row is not None and not row[3]:
                    clear.append(row[0])
                    announce.setdefault(row[1], row[0])
                continue
            text = _evidence_text(flag.evidence)
            if row is None:
                new.append((key, str(flag.village_id), text))
            elif row[3] or row[2] != text:
                rewrite.append((row[0], text, row[3]))
                announce.setdefault(row[1], row[0])
        for chunk in _chunks(clear):
            RedFlag.update(cleared_at=now).where(RedFlag.id.in_(chunk)).execute()
        for row_id, text, reraised in rewrite:  # evidence differs row by row: one UPDATE each (few, after a change)
            values = {RedFlag.evidence: text, RedFlag.cleared_at: None}
            if reraised:
                values[RedFlag.raised_at] = now
            RedFlag.update(values).where(RedFlag.id == row_id).execute()
        changed = len(clear) + len(rewrite)
        if new:
            paths = {}
            for chunk in _chunks({village for _key, village, _text in new}):
                paths.update(Unit.select(Unit.code, Unit.path).where(Unit.code.in_(chunk)).tuples())
            rows = []
            fields = [RedFlag.code, RedFlag.object_type, RedFlag.object_id, RedFlag.village, RedFlag.path,
                      RedFlag.evidence, RedFlag.raised_at]
            for (code, object_type, object_id), village, text in new:
                if village not in paths:
                    log.warning("red flag %s on %s:%s names unknown village %s", code, object_type, object_id,
                                village)
                    continue
                rows.append((code, object_type, object_id, village, paths[village], text, now))
            if rows:
                before = RedFlag.select(fn.MAX(RedFlag.id)).scalar() or 0  # the write lock is held
                # One statement prepared once, run per row by the driver: a rebuild inserts a county's
                # flags, and peewee building multi-row INSERTs cost more than SQLite storing them.
                database.cursor().executemany(
                    f"INSERT INTO {RedFlag._meta.table_name} ({', '.join(f.column_name for f in fields)}) "
                    f"VALUES ({', '.join([database.param] * len(fields))})", rows)
                _count_raised(rows)
                query = (RedFlag.select(RedFlag.village, fn.MIN(RedFlag.id))
                         .where(RedFlag.id > before).group_by(RedFlag.village).tuples())
                for village, row_id in query:
                    announce.setdefault(village, row_id)
                changed += len(rows)
        for village, row_id in announce.items():
            events.emit("public.changed", doc_type="redflag", object_id=str(row_id), audit_index=None,
                        village=village)
    return changed


def _count_raised(rows):
    """Add the rows just inserted to the tally (in their transaction): one upsert per village and code."""
    added = Counter((village, code) for code, _type, _id, village, _path, _text, _at in rows)
    for (village, code), n in added.items():
        (RedFlagTally.insert(village=village, code=code, raised=n)
         .on_conflict(conflict_target=[RedFlagTally.village, RedFlagTally.code],
                      update={RedFlagTally.raised: RedFlagTally.raised + n}).execute())


def count_rows():
    """{(village code, rule code): flags ever raised}, counted from the rows (what the tally must equal)."""
    from peewee import fn
    return {(v, c): n for v, c, n in RedFlag.select(RedFlag.village, RedFlag.code, fn.COUNT(RedFlag.id))
            .group_by(RedFlag.village, RedFlag.code).tuples()}


def tally():
    """{(village code, rule code): flags ever raised}, as kept."""
    return {(v, c): n for v, c, n in RedFlagTally.select(RedFlagTally.village, RedFlagTally.code,
                                                         RedFlagTally.raised).tuples() if n}


def fill_tally():
    """Replace the tally with the counts of the rows (the caller holds the write lock, or upgrades)."""
    RedFlagTally.delete().execute()
    rows = [{"village": v, "code": c, "raised": n} for (v, c), n in count_rows().items()]
    for chunk in _chunks(rows):
        RedFlagTally.insert_many(chunk).execute()
    return len(rows)


def rebuild_tally():
    """Recount the tally from the rows, under the write lock (rows written in bulk outside ``apply_all``)."""
    with transaction(lock=True):
        return fill_tally()


def watched_types():
    """The doc_types some rule watches (a flag's own change never moves a flag)."""
    return {t for rule in rules().values() for t in rule.watches} - {"redflag"}


def watched(doc_type, object_id, types=None):
    """Whether a change of ``doc_type`` can move a flag (``types``: ``watched_types()``, read once a batch)."""
    if doc_type is None or object_id is None or not str(object_id).isdigit():
        return False
    return doc_type in (types if types is not None else watched_types())


def on_public_changed_many(_name, payloads):
    """After commit of changes (a batch of ``events.emit_many``, or what queued up for the checker): each
    rule checks all their objects of the types it watches at once (``check_many`` where the rule has it)
    and the flags move in one transaction."""
    by_type, types = {}, watched_types()
    for payload in payloads:
        doc_type, object_id = payload.get("doc_type"), payload.get("object_id")
        if watched(doc_type, object_id, types):
            by_type.setdefault(doc_type, {})[int(object_id)] = None  # each object once, in order
    found = {}
    with memo.scope():  # rules of one domain share what they read of the batch
        for doc_type, ids in by_type.items():
            ids = list(ids)
            for rule in rules().values():
                if doc_type not in rule.watches:
                    continue
                try:
                    if rule.check_many is not None:
                        flags = list(rule.check_many(doc_type, ids))
                    else:
                        flags = [flag for object_id in ids for flag in rule.check(doc_type, object_id)]
                    found.setdefault(rule.code, []).extend(flags)
                except Exception:  # noqa: BLE001 — a rule's fault must not stop the other rules
                    log.exception("red flag rule %s failed on %d %s", rule.code, len(ids), doc_type)
    try:
        apply_all(found)
    except Exception:  # noqa: BLE001 — the table is a projection: a rebuild repairs it, the write stands
        log.exception("red flags of a batch of %d changes not stored", len(payloads))


def rebuild(app=None):
    """Make the table equal to every rule's full scan; returns {code: open flags}."""
    out = {}
    for rule in rules(app).values():
        found = {(f.object_type, int(f.object_id)): f for f in rule.scan() if f.evidence is not None}
        with transaction(lock=True):  # the rows read and the rows written under one write lock
            existing = _rows_of([rule.code])
            gone = [Flag(key[1], key[2], row[1], None) for key, row in existing.items()
                    if not row[3] and key[1:] not in found]
            apply(rule.code, list(found.values()) + gone, existing)
        out[rule.code] = len(found)
    return out


def open_flags(village_ids=None, code=None, unit=None):
    """Open flags, newest first, within ``village_ids`` and/or under ``unit`` (a Unit)."""
    query = RedFlag.select().where(RedFlag.cleared_at.is_null())
    if village_ids is not None:
        query = query.where(RedFlag.village.in_([str(v) for v in village_ids]))
    if unit is not None:
        query = query.where(RedFlag.path.startswith(unit.path))
    if code:
        query = query.where(RedFlag.code == code)
    return query.order_by(RedFlag.raised_at.desc(), RedFlag.id.desc())


def public_view(row):
    """A flag as API.md gives it: code, title, object {type, id, url}, evidence, raised_at."""
    from portal.core.records import object_url
    rule = rules().get(row.code)
    try:
        url = object_url(row.object_type, row.object_id, external=True)
    except Exception:  # noqa: BLE001 — an object whose type is gone still lists, without a link
        url = None
    from portal.core.api import localized
    from portal.core.i18n import translate_label
    evidence = json.loads(row.evidence)
    if isinstance(evidence, dict) and evidence.get("template"):  # words kept as a template: in the reader's language
        evidence["text"] = localized(evidence["template"], evidence.get("params"))
    return {"id": row.id, "code": row.code, "title": translate_label(rule.title) if rule else row.code,
            "object": {"type": row.object_type, "id": row.object_id, "url": url},
            "village": row.village_code, "evidence": evidence, "raised_at": iso(row.raised_at)}
