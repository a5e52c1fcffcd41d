"""Honest statistics of appeals (办结率, 满意率, time to reply and close), for any unit of the tree.

What keeps them honest:
- 办结率 = (fixed + closed without fixing) / the accepted appeals whose time limit has passed or
  that are closed. An appeal still inside its limit is not yet counted either way; one past its
  limit counts against the rate until it is closed. Rejected, duplicate and not-ours appeals are
  shown beside it, so rejecting cannot quietly lift the rate. Fixed and unfixed are shown apart.
- 满意率 = satisfied or basically satisfied ratings / every rating given, with the share of
  replied appeals that were rated beside it. Every 不满意 counts, also after a later reply
  is rated well: reopening cannot erase it.
- Ranking only above ``MIN_RANKED`` counted appeals: a village with two appeals is not "first".

Villages, townships and the county read the tallies kept by every step (``portal.appeals.tally``)
plus the open appeals past their limit; a grid or one handler is read from the rows (``scan``),
which gives the same figures (tests/appeals/test_stats.py compares them).
"""
import datetime

import peewee

from portal.appeals import tally
from portal.appeals.models import Appeal, AppealRating
from portal.appeals.services import CLOSED, HANDLING, NOT_ACCEPTED, OPEN
from portal.core.clock import utc_range, utcnow
from portal.units.models import Unit

MIN_RANKED = 5
OPEN_OR_REPLIED = list(OPEN) + ["replied"]


def villages_under(unit):
    """Codes of the villages whose appeals count for ``unit`` (a grid counts its parent's rows, filtered)."""
    if unit.level == "village":
        return [unit.code]
    if unit.level == "grid":
        return [unit.parent_id]
    return [code for (code,) in Unit.select(Unit.code).where(Unit.path.startswith(unit.path) &
                                                              (Unit.level == "village")).tuples()]


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


def compute(unit, first_day=None, last_day=None, now=None, handler=None):
    """The figures for appeals filed in ``unit`` (its villages, or one grid) between the two China days."""
    if unit.level == "grid" or handler is not None:
        return scan(unit, first_day, last_day, now, handler)
    return compute_many([unit], first_day, last_day, now)[unit.code]


def compute_many(units, first_day=None, last_day=None, now=None, hours=True):
    """{code: figures} for several villages, townships or the county, in a handful of grouped queries;
    ``hours=False`` leaves the hours out (None), for tables that do not show them (the ranking)."""
    now = now or utcnow()
    codes = [u.code for u in units]
    sums = tally.sums(codes, first_day, last_day)
    owners = {}  # village -> the requested units it counts for
    for unit in units:
        for village in villages_under(unit):
            owners.setdefault(village, []).append(unit.code)
    overdue, past_limit = dict.fromkeys(codes, 0), dict.fromkeys(codes, 0)
    live = (Appeal.select(Appeal.village, Appeal.state, peewee.fn.COUNT(Appeal.id),
                          peewee.fn.SUM(peewee.Case(None, [(Appeal.accepted_at.is_null(False), 1)], 0)))
            .where(Appeal.village.in_(list(owners)) & Appeal.state.in_(OPEN_OR_REPLIED) & (Appeal.due_at < now)))
    for village, state, count, accepted in _filed_between(live, first_day, last_day).group_by(
            Appeal.village, Appeal.state).tuples():
        for code in owners[village]:
            if state in ("submitted",) + HANDLING:
                overdue[code] += count
            past_limit[code] += accepted or 0
    none = {code: (None, None) for code in codes}
    hours = _percentiles(codes, owners, first_day, last_day) if hours else {"reply": none, "close": none}
    out = {}
    for unit in units:
        t = sums[unit.code]
        ratings = {"satisfied": t["satisfied"], "basic": t["basic"], "unsatisfied": t["unsatisfied"]}
        fixed, unfixed = t["fixed"], t["closed_unfixed"]
        out[unit.code] = _figures(unit, first_day, last_day, t["received"], t["accepted"], t["not_accepted"],
                                  fixed, unfixed, fixed + unfixed + past_limit[unit.code], overdue[unit.code],
                                  ratings, t["rated_appeals"], t["replied"],
                                  hours["reply"][unit.code], hours["close"][unit.code])
    return out


def _filed_between(query, first_day, last_day):
    if first_day or last_day:
        start, end = utc_range(first_day or datetime.date(1949, 1, 1), last_day or datetime.date(2100, 12, 31))
        query = query.where((Appeal.created_at >= start) & (Appeal.created_at < end))
    return query


def _next_month(day):
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _percentiles(codes, owners, first_day, last_day):
    """{kind: {unit: (median, p90)}}: whole months from the tallies (percentiles found in SQL); a range
    that cuts a month merges the full histograms with that part read from the rows."""
    first_month = last_month = None
    edges = []
    if first_day and first_day.day != 1:
        first_month = _next_month(first_day)
        edges.append((first_day, first_month - datetime.timedelta(days=1)))
    elif first_day:
        first_month = first_day
    if last_day and _next_month(last_day) - datetime.timedelta(days=1) != last_day:
        last_month = tally.month_of(last_day) - datetime.timedelta(days=1)
        edges.append((tally.month_of(last_day), last_day))
    elif last_day:
        last_month = last_day
    if not edges:
        return tally.percentiles(codes, first_month, last_month)
    if first_month and last_month and first_month > last_month:  # inside one month: all from the rows
        edges = [(first_day, last_day)]
        full = {kind: {code: {} for code in codes} for kind in ("reply", "close")}
    else:
        full = {kind: tally.hours_of(codes, first_month, last_month, kind) for kind in ("reply", "close")}
    for start, end in sorted(set(edges)):
        rows = (Appeal.select(Appeal.village, Appeal.state, Appeal.created_at, Appeal.accepted_at,
                              Appeal.first_reply_at, Appeal.closed_at)
                .where(Appeal.village.in_(list(owners))))
        for village, state, created, accepted_at, first_reply, closed_at in _filed_between(rows, start, end).tuples():
            if state in NOT_ACCEPTED or accepted_at is None:
                continue
            for kind, at in (("reply", first_reply), ("close", closed_at if state in CLOSED else None)):
                if at is not None:
                    bucket = tally.bucket(at, created)
                    for code in owners[village]:
                        full[kind][code][bucket] = full[kind][code].get(bucket, 0) + 1
    return {kind: {code: _from_hist(sorted(hist.items())) for code, hist in by_unit.items()}
            for kind, by_unit in full.items()}


def _from_hist(pairs):
    """Median and p90 of a histogram of whole hours (the lower edge of the bucket)."""
    total = sum(n for _b, n in pairs)
    if not total:
        return None, None
    out = []
    for share in (0.5, 0.9):
        rank, seen = max(1, -(-total * share // 1)), 0
        for bucket, n in pairs:
            seen += n
            if seen >= rank:
                out.append(float(bucket))
                break
    return tuple(out)


def _figures(unit, first_day, last_day, received, accepted, not_accepted, fixed, unfixed, counted, overdue,
             ratings, rated_appeals, replied, reply_hours, close_hours):
    rated = sum(ratings.values())
    open_count = received - not_accepted - fixed - unfixed
    return {
        "unit": unit.code, "unit_name": unit.name, "level": unit.level,
        "from": first_day.isoformat() if first_day else None, "to": last_day.isoformat() if last_day else None,
        "received": received, "accepted": accepted, "not_accepted": not_accepted,
        "fixed": fixed, "closed_unfixed": unfixed, "closed": fixed + unfixed, "counted": counted,
        "closure_rate": _rate(fixed + unfixed, counted), "fix_rate": _rate(fixed, counted),
        "rated": rated, "ratings": ratings, "satisfaction_rate": _rate(ratings["satisfied"] + ratings["basic"], rated),
        "rated_share": _rate(rated_appeals, replied),
        "overdue": overdue, "overdue_rate": _rate(overdue, max(0, open_count)),
        "median_hours_to_reply": reply_hours[0], "p90_hours_to_reply": reply_hours[1],
        "median_hours_to_close": close_hours[0], "p90_hours_to_close": close_hours[1],
        "min_ranked": MIN_RANKED,
    }


def scan(unit, first_day=None, last_day=None, now=None, handler=None):
    """The same figures read from the rows themselves (a grid, one handler, or to check the tallies)."""
    now = now or utcnow()
    query = Appeal.select(Appeal.id, Appeal.state, Appeal.created_at, Appeal.accepted_at, Appeal.due_at,
                          Appeal.first_reply_at, Appeal.closed_at)
    query = query.where(Appeal.village.in_(villages_under(unit)))
    if unit.level == "grid":
        query = query.where(Appeal.grid == unit.code)
    if handler is not None:
        query = query.where(Appeal.replied_by == handler)
    if first_day or last_day:
        start, end = utc_range(first_day or datetime.date(1949, 1, 1), last_day or datetime.date(2100, 12, 31))
        query = query.where((Appeal.created_at >= start) & (Appeal.created_at < end))
    received = accepted = fixed = unfixed = counted = overdue = not_accepted = replied = 0
    to_reply, to_close, ids = [], [], []
    for _id, state, created, accepted_at, due_at, first_reply, closed_at in query.tuples().iterator():
        received += 1
        ids.append(_id)
        if state in NOT_ACCEPTED:
            not_accepted += 1
            continue
        if state in ("submitted",) + HANDLING and due_at < now:
            overdue += 1
        if accepted_at is None:
            continue
        accepted += 1
        if state in CLOSED:
            fixed += state == "fixed"
            unfixed += state == "closed_unfixed"
            counted += 1
            if closed_at:
                to_close.append(tally.bucket(closed_at, created))
        elif due_at < now:
            counted += 1
        if first_reply:
            replied += 1
            to_reply.append(tally.bucket(first_reply, created))
    ratings = {"satisfied": 0, "basic": 0, "unsatisfied": 0}
    rated_appeals = set()
    for chunk in range(0, len(ids), 5000):
        part = ids[chunk:chunk + 5000]
        for appeal_id, satisfied in (AppealRating.select(AppealRating.appeal, AppealRating.satisfied)
                                     .where(AppealRating.appeal.in_(part)).tuples()):
            ratings[satisfied] += 1
            rated_appeals.add(appeal_id)
    hists = [], []
    for values, hist in ((to_reply, hists[0]), (to_close, hists[1])):
        counts = {}
        for bucket in values:
            counts[bucket] = counts.get(bucket, 0) + 1
        hist.extend(sorted(counts.items()))
    return _figures(unit, first_day, last_day, received, accepted, not_accepted, fixed, unfixed, counted, overdue,
                    ratings, len(rated_appeals), replied, _from_hist(hists[0]), _from_hist(hists[1]))


def ranking(unit, first_day=None, last_day=None, now=None):
    """The units one level below, each with its figures; ranked by 办结率 only when counted ≥ MIN_RANKED."""
    children = list(Unit.select().where(Unit.parent == unit.code).order_by(Unit.sort_order, Unit.code))
    if unit.level == "village":  # grids: from the rows
        rows = [compute(child, first_day, last_day, now) for child in children]
    else:
        figures = compute_many(children, first_day, last_day, now, hours=False)  # the table shows no hours
        rows = [figures[child.code] for child in children]
    ranked = sorted((r for r in rows if r["counted"] >= MIN_RANKED), key=lambda r: -(r["closure_rate"] or 0))
    for place, row in enumerate(ranked, start=1):
        row["rank"] = place
    return ranked + [r for r in rows if r["counted"] < MIN_RANKED]
