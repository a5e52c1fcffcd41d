"""Statistics precomputed on every change: per unit and filing day, kept in the step's transaction.

Each appeal contributes to the tallies of its village, township and county for the China day it
was filed (and to an hours histogram per unit and month of filing): received,
accepted, not accepted, fixed, closed unfixed, replied, and a bucket of whole hours to its first
reply and to its closing. A step subtracts the appeal's contribution before it and adds the one
after it, in the same transaction as the step and its audit entry, so the tallies are never
ahead of or behind the rows. Ratings add to the tally when given (every rating counts).

What depends on the clock (overdue, and which open appeals are past their limit and so count
against the closure rate) is not tallied: it is read from the open appeals, a small share of all,
through the (state, due_at) index. ``rebuild`` recomputes everything from the rows.

Keeping a row per level (not only per village) is what keeps a township's or the county's page
fast at a million appeals: it sums 365 day rows, not 365 × its villages. Hours go by month so a
year's median reads a few thousand buckets; a range that cuts a month reads that part from rows.
"""
import peewee
from flask import current_app

from portal.appeals.models import Appeal, AppealHours, AppealRating, AppealTally
from portal.core.clock import local_date
from portal.units.models import Unit

COUNTERS = ("received", "accepted", "not_accepted", "fixed", "closed_unfixed", "replied")
NOT_ACCEPTED = ("rejected", "duplicate", "not_ours")
MAX_BUCKET = 24 * 400  # hours; longer waits share the last bucket


def bucket(later, earlier):
    """Whole hours from ``earlier`` to ``later``: exact for three days, then to 6 h up to 30 days,
    then to the day (the lower edge): fine where residents feel it, few buckets to read."""
    hours = max(0, min(MAX_BUCKET, int((later - earlier).total_seconds() // 3600)))
    if hours < 72:
        return hours
    return hours - hours % 6 if hours < 720 else hours - hours % 24


def contribution(row):
    """What one appeal adds to its day's tally, as its row stands."""
    if row is None:
        return {}, {}
    not_accepted = row.state in NOT_ACCEPTED
    accepted = row.accepted_at is not None and not not_accepted
    counts = {"received": 1, "accepted": int(accepted), "not_accepted": int(not_accepted),
              "fixed": int(row.state == "fixed"), "closed_unfixed": int(row.state == "closed_unfixed"),
              "replied": int(accepted and row.first_reply_at is not None)}
    hours = {}
    if accepted and row.first_reply_at is not None:
        hours[("reply", bucket(row.first_reply_at, row.created_at))] = 1
    if row.state in ("fixed", "closed_unfixed") and row.closed_at is not None:
        hours[("close", bucket(row.closed_at, row.created_at))] = 1
    return counts, hours


def units_of(village_code):
    """The village, its township and the county: the tallies an appeal of the village moves."""
    cache = current_app.extensions.setdefault("appeal_units_of", {})  # the tree, per app
    if village_code not in cache:
        path = Unit.select(Unit.path).where(Unit.code == village_code).scalar() or f"/{village_code}/"
        cache[village_code] = [code for code in path.strip("/").split("/") if code]
    return cache[village_code]


def month_of(day):
    return day.replace(day=1)


def snapshot(row):
    """The contribution of ``row`` now, to diff against after a step (``apply``)."""
    return contribution(row)


def _add_counts(village, day, delta):
    """Add ``delta`` to the day's tally of the village, its township and the county: one statement."""
    delta = {k: v for k, v in delta.items() if v}
    if not delta:
        return
    names = COUNTERS + ("satisfied", "basic", "unsatisfied", "rated_appeals")
    rows = [{"unit": unit, "day": day, **{k: delta.get(k, 0) for k in names}} for unit in units_of(village)]
    update = {getattr(AppealTally, k): getattr(AppealTally, k) + peewee.EXCLUDED[k] for k in delta}
    AppealTally.insert_many(rows).on_conflict(conflict_target=[AppealTally.unit, AppealTally.day],
                                              update=update).execute()


def _add_hours(village, day, key, amount):
    kind, bucket = key
    for unit in units_of(village):
        _add_unit_hours(unit, month_of(day), kind, bucket, amount)


def _add_unit_hours(unit, day, kind, bucket, amount):
    AppealHours.insert(unit=unit, day=day, kind=kind, bucket=bucket, count=amount).on_conflict(
        conflict_target=[AppealHours.unit, AppealHours.day, AppealHours.kind, AppealHours.bucket],
        update={AppealHours.count: AppealHours.count + amount}).execute()


def apply(before, row):
    """Move ``row``'s tally from its contribution ``before`` (a snapshot) to its contribution now."""
    (old_counts, old_hours), (new_counts, new_hours) = before, contribution(row)
    day = local_date(row.created_at)
    _add_counts(row.village_id, day, {k: new_counts.get(k, 0) - old_counts.get(k, 0) for k in COUNTERS})
    for key in set(old_hours) | set(new_hours):
        amount = new_hours.get(key, 0) - old_hours.get(key, 0)
        if amount:
            _add_hours(row.village_id, day, key, amount)


def rated(row, satisfied, first):
    """A rating given (inside the rating's transaction): every rating counts."""
    _add_counts(row.village_id, local_date(row.created_at), {satisfied: 1, "rated_appeals": int(first)})


def rebuild():
    """Recompute every tally from the rows (after a bulk import, or to check the running ones)."""
    AppealTally.delete().execute()
    AppealHours.delete().execute()
    counts, hours = {}, {}
    names = COUNTERS + ("satisfied", "basic", "unsatisfied", "rated_appeals")
    columns = (Appeal.id, Appeal.state, Appeal.village, Appeal.created_at, Appeal.accepted_at,
               Appeal.first_reply_at, Appeal.closed_at)  # what ``contribution`` reads
    for row in Appeal.select(*columns).iterator():
        day = local_date(row.created_at)
        c, h = contribution(row)
        for unit in units_of(row.village_id):
            slot = counts.setdefault((unit, day), dict.fromkeys(names, 0))
            for name, value in c.items():
                slot[name] += value
            for (kind, hours_bucket), value in h.items():
                key = (unit, month_of(day), kind, hours_bucket)
                hours[key] = hours.get(key, 0) + value
    first_seen = set()
    for appeal_id, village, created, satisfied in (AppealRating.select(AppealRating.appeal, Appeal.village,
                                                                       Appeal.created_at, AppealRating.satisfied)
                                                   .join(Appeal).tuples().iterator()):
        for unit in units_of(village):
            slot = counts[(unit, local_date(created))]
            slot[satisfied] += 1
            if appeal_id not in first_seen:
                slot["rated_appeals"] += 1
        first_seen.add(appeal_id)
    rows = [{"unit": v, "day": d, **slot} for (v, d), slot in counts.items()]
    for chunk in range(0, len(rows), 500):
        AppealTally.insert_many(rows[chunk:chunk + 500]).execute()
    hour_rows = [{"unit": v, "day": d, "kind": k, "bucket": b, "count": n} for (v, d, k, b), n in hours.items()]
    for chunk in range(0, len(hour_rows), 500):
        AppealHours.insert_many(hour_rows[chunk:chunk + 500]).execute()


def sums(unit_codes, first_day, last_day):
    """{unit: the tallies of appeals filed there between the two days (None: unbounded), summed}."""
    fields = COUNTERS + ("satisfied", "basic", "unsatisfied", "rated_appeals")
    query = AppealTally.select(AppealTally.unit, *[peewee.fn.SUM(getattr(AppealTally, f)) for f in fields])
    query = _where(query, AppealTally, unit_codes, first_day, last_day).group_by(AppealTally.unit)
    out = {code: dict.fromkeys(fields, 0) for code in unit_codes}
    for unit, *values in query.tuples():
        out[unit] = dict(zip(fields, (v or 0 for v in values)))
    return out


def hours_of(unit_codes, first_month, last_month, kind):
    """{unit: {bucket hours: count}} for appeals filed in the whole months between the two (inclusive)."""
    query = (AppealHours.select(AppealHours.unit, AppealHours.bucket, peewee.fn.SUM(AppealHours.count))
             .where(AppealHours.kind == kind).group_by(AppealHours.unit, AppealHours.bucket))
    out = {code: {} for code in unit_codes}
    for unit, bucket, count in _where(query, AppealHours, unit_codes, first_month, last_month).tuples():
        if count:
            out[unit][bucket] = count
    return out


def _where(query, model, unit_codes, first_day, last_day):
    query = query.where(model.unit.in_(list(unit_codes)))
    if first_day:
        query = query.where(model.day >= first_day)
    if last_day:
        query = query.where(model.day <= last_day)
    return query


def percentiles(unit_codes, first_month, last_month):
    """{kind: {unit: (median, p90)}} of the whole-month histograms, found in SQL (window sums), so
    only the buckets that hold them come back. Same rank rule as ``stats._from_hist``."""
    table = AppealHours._meta.table_name
    where, params = ["unit IN (" + ", ".join(["%s"] * len(unit_codes)) + ")"], list(unit_codes)
    if first_month:
        where.append("day >= %s")
        params.append(first_month)
    if last_month:
        where.append("day <= %s")
        params.append(last_month)
    sql = f"""SELECT kind, unit, bucket, cum, s, total FROM (
                SELECT kind, unit, bucket, SUM(SUM(count)) OVER (PARTITION BY kind, unit ORDER BY bucket) AS cum,
                       SUM(count) AS s, SUM(SUM(count)) OVER (PARTITION BY kind, unit) AS total
                FROM {table} WHERE {" AND ".join(where)} GROUP BY kind, unit, bucket) AS h
              WHERE total > 0 AND ((cum >= total * 0.5 AND cum - s < total * 0.5)
                                   OR (cum >= total * 0.9 AND cum - s < total * 0.9))"""
    db = AppealHours._meta.database
    if isinstance(db.obj if hasattr(db, "obj") else db, peewee.SqliteDatabase):
        sql = sql.replace("%s", "?")
    out = {kind: {code: [None, None] for code in unit_codes} for kind in ("reply", "close")}
    for kind, unit, hours, cum, s, total in db.execute_sql(sql, params).fetchall():
        cum, s, total = int(cum), int(s), int(total)  # PostgreSQL's SUMs are Decimals
        if cum >= total * 0.5 > cum - s:
            out[kind][unit][0] = float(hours)
        if cum >= total * 0.9 > cum - s:
            out[kind][unit][1] = float(hours)
    return {kind: {code: tuple(v) for code, v in by_unit.items()} for kind, by_unit in out.items()}
