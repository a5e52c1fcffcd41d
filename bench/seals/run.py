"""Seals benchmark at county scale: every flag rule over 500,000 uses, and the village log page.

``PYTHONPATH=. python bench/seals/run.py [--uses 500000] [--villages 200] [--requests 200] [--data DIR]
[--generate-only]`` builds a SQLite instance with its own generator (a county of
``--villages`` villages, four seals each, ``--uses`` uses spread over three years with a few percent
of each kind of misuse) in ``--data`` (default ``/tmp/bench-data/sealsbids/seals-<uses>``; an instance
already generated there with the same sizes is reused, so the data can be made outside the timing
lock with ``--generate-only``), then measures, in the same run:

- ``scan`` of every FlagRule, against a baseline that reads every use and applies the same
  predicates in Python without the SQL pre-filters;
- the recompute the portal runs (``portal.redflags.services.rebuild``: every rule's scan made equal
  to the red-flag table), once into an empty table (every flag written) and once more with nothing
  changed (the nightly case);
- the village log page (``GET /v/<code>/seals``, first page and a filtered page) p50/p95 over
  ``--requests`` requests to random villages, against the same page for a village with no uses,
  through the real app in process (Flask's test client: routing, the view, the template; no socket).

Targets (issue 14): flags ≤ 5 s, village log p95 ≤ 50 ms.
"""
import argparse
import datetime
import json
import os
import random
import statistics
import time
from pathlib import Path

KEEPERS = ["陈", "林", "黄", "王", "郑", "吴", "刘", "许", "蔡", "张"]


def generate(n_villages, n_uses, rng):
    """Units, seals and uses written in bulk (no audit entries: the rules read rows only)."""
    from portal.core.clock import utcnow
    from portal.core.db import database
    from portal.seals.models import Seal, SealUse
    from portal.units.services import create_unit
    create_unit(None, "350999000000", "基准县", "county")
    villages = []
    for t in range(10):
        township = f"350999{t + 1:03d}000"
        create_unit(None, township, f"第{t + 1}镇", "township", "350999000000")
        for v in range(n_villages // 10):
            code = f"350999{t + 1:03d}{v + 1:03d}"
            create_unit(None, code, f"第{t + 1}镇{v + 1}村", "village", township)
            villages.append(code)
    now = utcnow()
    seals = []
    with database.atomic():
        for code in villages:
            for k, kind in enumerate(("committee", "party", "supervision", "finance")):
                keeper, approver = rng.sample(KEEPERS, 2)
                seals.append(Seal.create(village=code, name=f"{code}-{kind}", kind=kind, keeper=keeper + "保管",
                                         approver=approver + "审批", registered_on=datetime.date(2023, 1, 1),
                                         state="suspended" if rng.random() < 0.02 else "in_use", created_at=now))
    start = datetime.date(2023, 12, 1)
    rows = []
    for i in range(n_uses):
        seal = seals[rng.randrange(len(seals))]
        used_on = start + datetime.timedelta(days=rng.randrange(1095))
        r = rng.random()
        approver = seal.approver if r > 0.03 else (seal.keeper if r > 0.015 else "")
        applicant = approver if rng.random() < 0.01 and approver else "申请人"
        late = 3 if rng.random() < 0.02 else 0
        out = rng.random() < 0.05
        out_at = datetime.datetime.combine(used_on, datetime.time(2)) if out else None
        returned = out_at + datetime.timedelta(hours=rng.choice((3, 5, 30))) if out and rng.random() < 0.97 else None
        cert = rng.random() < 0.1
        vote = rng.random() < 0.04
        rows.append({"seal": seal.id, "village": seal.village_id, "used_on": used_on, "month": used_on.strftime("%Y-%m"),
                     "days_late": late, "purpose": "土地流转合同" if vote else "报送材料", "document": f"文件{i}",
                     "copies": 1, "applicant": applicant, "approver": approver, "handler": "", "keeper": seal.keeper,
                     "seal_state": seal.state, "matter": "land" if vote else "routine", "needs_vote": vote,
                     "decision_type": "meeting" if vote and rng.random() < 0.7 else "", "decision_id": None, "decision_title": "",
                     "certificate": "" , "certificate_name": rng.choice(("无犯罪记录证明", "居住情况证明", "林地证明"))
                     if cert else "", "certificate_kind": "", "left_office": out, "out_at": out_at,
                     "returned_at": returned, "audit_index": None, "state": "recorded" if not out or returned else "out",
                     "created_at": datetime.datetime.combine(used_on + datetime.timedelta(days=late), datetime.time(3)),
                     "updated_at": now})
        if len(rows) == 20000:
            _insert(database, SealUse, rows)
            rows = []
    if rows:
        _insert(database, SealUse, rows)
    return villages


def _insert(database, model, rows):
    """Rows as plain tuples through one executemany (peewee's per-row dicts cost more than SQLite)."""
    names = list(rows[0])
    columns = [model._meta.fields[n].column_name for n in names]
    sql = f'INSERT INTO "{model._meta.table_name}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(names))})'
    def value(v):
        return v.isoformat(" ") if isinstance(v, datetime.datetime) else v.isoformat() if isinstance(
            v, datetime.date) else v
    with database.atomic():
        database.connection().executemany(sql, [tuple(value(r[n]) for n in names) for r in rows])


def baseline_flags():
    """Every use read whole, every per-use predicate applied in Python (no SQL pre-filter)."""
    from portal.seals import flags
    from portal.seals.models import SealUse
    predicates = [spec[3] for spec in flags.PER_USE]
    columns = list(flags.BASE) + [c for spec in flags.PER_USE for c in spec[5]]
    columns = list({c.name if hasattr(c, "name") else str(c): c for c in columns}.values())
    lists = flags._Lists()
    count = 0
    for use in SealUse.select(*columns).namedtuples().iterator():
        for p in predicates:
            if (p(use, lists) if p is flags._certificate else p(use)) is not None:
                count += 1
    return count


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def page_times(client, paths):
    times = []
    for path in paths:
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]



def settle(app):
    """Wait until the dashboard's background worker has taken every change announced so far (the flags'
    follow-on work is not part of the next figure)."""
    from portal.dashboard import precompute
    worker = precompute.of(app)
    while not worker._queue.empty():
        time.sleep(0.2)
    time.sleep(1)

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--uses", type=int, default=500_000)
    parser.add_argument("--villages", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--data", help="instance folder to generate into or reuse")
    parser.add_argument("--generate-only", action="store_true")
    args = parser.parse_args()
    for job in ("PORTAL_APPEAL_SWEEP_SECONDS", "FOLLOWUP_ESCALATE_SECONDS", "PORTAL_REPORTS_SWEEP_SECONDS"):
        os.environ[job] = "0"  # no periodic job writes while we time
    from portal import create_app
    from portal.core.db import database
    from portal.redflags import services as redflags
    from portal.redflags.models import RedFlag
    from portal.seals import flags
    from portal.units.services import create_unit
    data = Path(args.data or f"/tmp/bench-data/sealsbids/seals-{args.uses}-{args.villages}")
    marker = data / "generated.json"
    sizes = {"uses": args.uses, "villages": args.villages}
    reuse = marker.exists() and json.loads(marker.read_text())["sizes"] == sizes
    if not reuse and data.exists() and any(data.iterdir()):
        raise SystemExit(f"{data} holds something else: remove it or give another --data")
    # No search catch-up: the generated instance has no search index, and the first request would start
    # a background rebuild of 500,000 documents running through every figure below (and, ended with the
    # process, again in every run). The index is a projection of its own; this bench times the flags and pages.
    app = create_app({"INSTANCE_DIR": str(data / "instance"), "SEARCH_SYNC": False, "SEARCH_NO_CATCH_UP": True})
    app.app_context().push()
    database.connect(reuse_if_open=True)
    rng = random.Random(14)
    if reuse:
        villages = json.loads(marker.read_text())["villages"]
        print(f"reusing {args.uses} uses in {len(villages)} villages from {data}")
    else:
        villages, secs = timed(lambda: generate(args.villages, args.uses, rng))
        create_unit(None, "350999001999", "空村", "village", "350999001000")
        database.execute_sql("ANALYZE")
        marker.write_text(json.dumps({"sizes": sizes, "villages": villages}))
        print(f"generated {args.uses} uses in {len(villages)} villages in {secs:.1f}s")
    if args.generate_only:
        return
    rng = random.Random(141)

    total = 0
    start = time.perf_counter()
    for rule in flags.RULES:
        n, secs = timed(lambda: sum(1 for _ in rule.scan()))
        total += n
        print(f"  {rule.code:34s} {n:7d} flags {secs * 1000:7.0f} ms")
    rules_secs = time.perf_counter() - start
    base, base_secs = timed(baseline_flags)
    print(f"flags, every rule's scan: {total} flags in {rules_secs:.2f}s (target ≤ 5 s); "
          f"baseline full read without pre-filters: {base} per-use flags in {base_secs:.2f}s")

    RedFlag.delete().execute()
    counts, cold = timed(lambda: redflags.rebuild(app))
    opened = sum(counts.values())
    settle(app)
    _, warm = timed(lambda: redflags.rebuild(app))
    assert RedFlag.select().where(RedFlag.cleared_at.is_null()).count() == opened == total, (opened, total)
    print(f"flags recomputed (redflags.rebuild, every registered rule): into an empty table {cold:.2f}s "
          f"({opened} flags written), again with nothing changed {warm:.2f}s (target ≤ 5 s)")

    client = app.test_client()
    database.close()
    paths = [f"/v/{rng.choice(villages)}/seals" for _ in range(args.requests)]
    filtered = [f"/v/{rng.choice(villages)}/seals?certificate=1&from=2025-01-01&page=2" for _ in range(args.requests)]
    empty = ["/v/350999001999/seals"] * args.requests
    for label, batch in (("village log page 1", paths), ("village log filtered, page 2", filtered),
                         ("baseline: village with no uses", empty)):
        p50, p95 = page_times(client, batch)
        print(f"{label:32s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
    print("target: village log p95 ≤ 50 ms")


if __name__ == "__main__":
    main()
