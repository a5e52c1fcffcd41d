"""The funnel, as DOZORRO measures it: flags raised → looked at → followed up → findings, per township and kind.

Counted from the rows, every view read every flag ever raised (100,000 in a county) and matched the reviews
and follow-ups against them: 165 ms p95 at load 3, about a second at load 10. So the counts are kept, per
village and flag kind, by the writes that move a flag on, in their own transactions:

- raised: ``portal.redflags`` counts the rows it inserts (``RedFlagTally``);
- looked at: the first "seen" review of a flag, by any inspector (``inbox.mark_seen``);
- followed up: the first follow-up opened from a flag (``services`` FOLLOWUP create);
- findings: the first follow-up from a flag concluded rectified or referred (FOLLOWUP conclude).

Each stage counts a flag once, however many inspectors looked at it or follow-ups it has; flags, reviews and
follow-ups are never deleted, so the counts only grow. ``count_rows`` counts the same from the rows (what the
tally must equal); ``rebuild_tally`` (``flask followups-funnel-rebuild``) replaces the tally with it, for data
written in bulk outside the services (a benchmark's county) and on upgrade (migration step 5).
"""
from peewee import fn

from portal.core import registry
from portal.core.db import for_update, transaction
from portal.followups.models import FlagReview, Followup, FunnelTally
from portal.redflags.models import RedFlag, RedFlagTally
from portal.redflags.services import tally as raised_tally
from portal.units.models import Unit

STAGES = ("raised", "looked_at", "followed_up", "findings")
KEPT = STAGES[1:]  # kept here; "raised" by portal.redflags
FINDINGS_THAT_COUNT = ("rectified", "referred")
CHUNK = 500


def _flag(flag_id):
    """The flag's (village, code), its row locked on PostgreSQL (SQLite: the write lock is held), so two
    first looks at one flag in two transactions are counted once; None: the id names no flag (then it is
    in no stage, as counted from the rows)."""
    return for_update(RedFlag.select(RedFlag.village, RedFlag.code).where(RedFlag.id == flag_id)).first()


def _bump(flag, stage):
    column = getattr(FunnelTally, stage)
    (FunnelTally.insert(village=flag.village_code, code=flag.code, **{stage: 1})
     .on_conflict(conflict_target=[FunnelTally.village, FunnelTally.code], update={column: column + 1}).execute())


def count_look(flag_id):
    """In the transaction writing a "seen" review: counts if it is the flag's first."""
    flag = _flag(flag_id)
    if flag is not None and not FlagReview.select().where((FlagReview.flag_id == flag_id)
                                                          & (FlagReview.kind == "seen")).exists():
        _bump(flag, "looked_at")


def count_followup(flag_id):
    """In the transaction opening a follow-up from ``flag_id`` (before its row is written)."""
    flag = _flag(flag_id) if flag_id is not None else None
    if flag is not None and not Followup.select().where(Followup.flag_id == flag_id).exists():
        _bump(flag, "followed_up")


def count_finding(row):
    """In the transaction concluding follow-up ``row`` (before it is saved): its flag's first finding."""
    if row.flag_id is None or row.finding not in FINDINGS_THAT_COUNT:
        return
    flag = _flag(row.flag_id)
    if flag is not None and not Followup.select().where((Followup.flag_id == row.flag_id) & (Followup.id != row.id)
                                                        & Followup.finding.in_(FINDINGS_THAT_COUNT)).exists():
        _bump(flag, "findings")


def kept():
    """{(village, code): {stage: n}} as kept (raised from portal.redflags), zero rows left out."""
    out = {key: dict.fromkeys(STAGES, 0) | {"raised": n} for key, n in raised_tally().items()}
    for village, code, *counts in FunnelTally.select(FunnelTally.village, FunnelTally.code,
                                                     *(getattr(FunnelTally, s) for s in KEPT)).tuples():
        if any(counts):
            out.setdefault((village, code), dict.fromkeys(STAGES, 0)).update(zip(KEPT, counts))
    return out


def count_rows():
    """{(village, code): {stage: n}} counted from the flags, reviews and follow-ups themselves."""
    by = (RedFlag.village, RedFlag.code)
    seen = FlagReview.select(FlagReview.flag_id).where(FlagReview.kind == "seen").distinct()
    followed = Followup.select(Followup.flag_id).where(Followup.flag_id.is_null(False)).distinct()
    found = Followup.select(Followup.flag_id).where(Followup.flag_id.is_null(False) &
                                                    Followup.finding.in_(FINDINGS_THAT_COUNT)).distinct()
    stages = {"raised": RedFlag.select(*by, fn.COUNT(RedFlag.id)),
              "looked_at": RedFlag.select(*by, fn.COUNT(RedFlag.id)).where(RedFlag.id.in_(seen)),
              "followed_up": RedFlag.select(*by, fn.COUNT(RedFlag.id)).where(RedFlag.id.in_(followed)),
              "findings": RedFlag.select(*by, fn.COUNT(RedFlag.id)).where(RedFlag.id.in_(found))}
    out = {}
    for stage, query in stages.items():
        for village, code, n in query.group_by(*by).tuples():
            out.setdefault((village, code), dict.fromkeys(STAGES, 0))[stage] = n
    return out


def fill_tally():
    """Replace the kept stages with those counted from the rows (the caller holds the write lock)."""
    FunnelTally.delete().execute()
    rows = [{"village": v, "code": c, **{s: counts[s] for s in KEPT}}
            for (v, c), counts in count_rows().items() if any(counts[s] for s in KEPT)]
    for i in range(0, len(rows), CHUNK):
        FunnelTally.insert_many(rows[i:i + CHUNK]).execute()
    return len(rows)


def rebuild_tally():
    """Recount every stage from the rows; returns how many (village, kind) counts differed from the kept."""
    from portal.redflags.services import rebuild_tally as rebuild_raised
    rebuild_raised()
    with transaction(lock=True):
        before = kept()
        fill_tally()
        after = kept()
    return sum(1 for key in before.keys() | after.keys() if before.get(key) != after.get(key))


def funnel(unit):
    """Per township and flag kind under ``unit``: raised, looked at, followed up, findings, summed from the
    tallies in the database (a village's township is its parent unit): a few dozen rows come back, not one
    per village and kind."""
    in_scope = Unit.path.startswith(unit.path) & (Unit.level == "village")
    table = {}
    queries = [(("raised",), RedFlagTally, [fn.SUM(RedFlagTally.raised)]),
               (KEPT, FunnelTally, [fn.SUM(getattr(FunnelTally, s)) for s in KEPT])]
    for stages, model, sums in queries:
        query = (model.select(Unit.parent, model.code, *sums).join(Unit, on=(model.village == Unit.code))
                 .where(in_scope).group_by(Unit.parent, model.code).tuples())
        for township, code, *counts in query:
            row = table.setdefault((township, code), dict.fromkeys(STAGES, 0))
            row.update(zip(stages, (int(n or 0) for n in counts)))
    table = {key: counts for key, counts in table.items() if any(counts.values())}
    names = {u.code: u.name for u in Unit.select().where(Unit.code.in_({k[0] for k in table}))}
    rules = registry.of().flag_rules
    return [{"township": t, "township_name": names.get(t, t), "code": c,
             "title": rules[c].title if c in rules else c, **counts} for (t, c), counts in sorted(table.items())]
