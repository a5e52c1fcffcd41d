"""Appeals at county scale: a township's statistics page, filing one appeal, the overdue sweep.

    python bench/appeals/run.py [--appeals 1000000] [--townships 20] [--villages 25] [--data DIR] [--generate-only]

The generated county is cached in ``--data`` (default /tmp/bench-data/appeals/<n>): generate it once
outside the measuring lock (``--generate-only``, niced), and every run measures on a fresh copy of it,
so the sweep and the filings of one run never change the data of the next.

Generates its own county (townships × villages, two grids each) and a year of appeals written
straight into the tables (states, times, ratings in realistic shares, ~2% still open), rebuilds
the tallies from the rows, then measures, each against a baseline in the same run:
- GET /appeals/stats/<township> (the page, with its villages ranked): p50/p95 over 40 requests;
  baseline: the same figures by scanning the rows (``stats.scan``), as before the tallies;
- filing an appeal through ``services.file_appeal`` (row, timeline, tally, audit entry), median of 200;
  baseline: inserting the bare row;
- ``services.sweep`` over all open appeals: first the backlog of a year never swept (every open
  appeal past its limit moves), then a day later (what a day's deadlines add).
"""
import argparse
import datetime
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

CATS = ["utilities", "roads", "environment", "safety", "welfare", "land", "affairs", "other"]


def build_county(townships, villages):
    from portal.units.models import Unit
    county = "359900000000"
    rows = [{"code": county, "name": "基准县", "level": "county", "parent": None, "path": f"/{county}/"}]
    village_codes = []
    for t in range(townships):
        tcode = f"3599{t + 1:03d}000000"[:12]
        rows.append({"code": tcode, "name": f"第{t + 1}镇", "level": "township", "parent": county,
                     "path": f"/{county}/{tcode}/"})
        for v in range(villages):
            vcode = tcode[:7] + f"{v + 1:03d}" + "00"
            rows.append({"code": vcode, "name": f"第{t + 1}镇{v + 1}村", "level": "village", "parent": tcode,
                         "path": f"/{county}/{tcode}/{vcode}/"})
            village_codes.append(vcode)
            for g in (1, 2):
                gcode = vcode[:-1] + str(g)
                rows.append({"code": gcode, "name": f"网格{g}", "level": "grid", "parent": vcode,
                             "path": f"/{county}/{tcode}/{vcode}/{gcode}/"})
    for chunk in range(0, len(rows), 500):
        Unit.insert_many(rows[chunk:chunk + 500]).execute()
    return county, village_codes


def fill(n, village_codes, now, seed=7):
    """``n`` appeals and their ratings, written with raw multi-row inserts (peewee's query building
    would cost more than the rows)."""
    from portal.appeals.models import Appeal, AppealRating
    from portal.core.db import database
    rng = random.Random(seed)
    columns = ["state", "created_at", "updated_at", "village_code", "grid_code", "holder_code", "category", "text",
               "due_at", "accepted_at", "first_reply_at", "replied_at", "closed_at", "outcome", "department",
               "urgent", "place", "contact_name", "contact_phone", "reply", "reason", "reopen_count", "escalations",
               "awaiting_rating"]
    insert = (f"INSERT INTO {Appeal._meta.table_name} ({', '.join(columns)}) VALUES "
              f"({', '.join([database.param] * len(columns))})")
    rate = (f"INSERT INTO {AppealRating._meta.table_name} (appeal_id, satisfied, comment, at) VALUES "
            f"({', '.join([database.param] * 4)})")

    def text(at):
        return None if at is None else str(at)
    batch, ratings, next_id = [], [], 1
    for i in range(n):
        village = rng.choice(village_codes)
        created = now - datetime.timedelta(seconds=rng.randrange(365 * 86400))
        roll = rng.random()
        accepted = created + datetime.timedelta(hours=rng.uniform(0.2, 6))
        reply = accepted + datetime.timedelta(hours=rng.expovariate(1 / 40))
        closed = reply + datetime.timedelta(hours=rng.expovariate(1 / 30))
        if roll < 0.08:
            state, acc, rep, clo, due = rng.choice(["rejected", "duplicate", "not_ours"]), None, None, None, accepted
        elif roll < 0.10 or created > now - datetime.timedelta(days=3):
            state, acc, rep, clo = rng.choice(["submitted", "accepted", "dispatched", "in_progress"]), accepted, None, None
            due = accepted + datetime.timedelta(hours=rng.choice([24, 168, 360]))
            if state == "submitted":
                acc = None
        elif roll < 0.16:
            state, acc, rep, clo, due = "closed_unfixed", accepted, reply, closed, accepted + datetime.timedelta(days=7)
        else:
            state, acc, rep, clo, due = "fixed", accepted, reply, closed, accepted + datetime.timedelta(days=7)
        if clo and clo > now:
            clo = None
            state = "replied"
        batch.append((state, text(created), text(clo or created), village, village[:-1] + str(1 + i % 2), village,
                      rng.choice(CATS), "村道有坑，路灯不亮，请尽快处理。", text(due), text(acc), text(rep), text(rep),
                      text(clo), "unfixed" if state == "closed_unfixed" else ("fixed" if rep else ""), "", False, "",
                      "", "", "", "", 0, 0, False))
        if clo and rng.random() < 0.7:
            ratings.append((next_id, rng.choice(["satisfied"] * 6 + ["basic"] * 3 + ["unsatisfied"]), "", text(clo)))
        next_id += 1
        if len(batch) == 5000:
            with database.atomic():
                database.cursor().executemany(insert, batch)
            batch = []
    with database.atomic():
        if batch:
            database.cursor().executemany(insert, batch)
        database.cursor().executemany(rate, ratings)


def timed(fn, times):
    out = []
    for _ in range(times):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    out.sort()
    return {"p50_ms": round(statistics.median(out), 1), "p95_ms": round(out[int(len(out) * 0.95) - 1], 1)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--villages", type=int, default=25)
    parser.add_argument("--data", default=None, help="the cached county (generated there when missing)")
    parser.add_argument("--generate-only", action="store_true", help="fill the cache and stop")
    args = parser.parse_args()
    data = Path(args.data or f"/tmp/bench-data/appeals/{args.appeals}")
    if not (data / "GENERATED").exists():
        generate(args, data)
    if args.generate_only:
        return
    instance = Path(tempfile.mkdtemp(prefix="appeals-bench-")) / "instance"
    shutil.copytree(data / "instance", instance)
    if (data / "instance.audit-passphrase").exists():
        shutil.copy(data / "instance.audit-passphrase", instance.parent / "instance.audit-passphrase")
    flush_copy(instance.parent)
    try:
        measure(instance)
    finally:
        shutil.rmtree(instance.parent)


def flush_copy(root):
    """Write the fresh copy to disk before measuring: else the kernel writes its hundreds of MiB back
    while the run goes on, and the first fsync of the database (the sweep's WAL checkpoint) waits for
    all of it (0.5–1 s of a first sweep was the copy's write-back, not the sweep's pages)."""
    for path in sorted(Path(root).rglob("*")):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())


def generate(args, data):
    from portal import create_app
    from portal.appeals import tally
    from portal.core.clock import utcnow
    from portal.core.db import connection
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    app = create_app({"INSTANCE_DIR": str(data / "instance"), "APPEAL_SWEEP_SECONDS": 0, "SEARCH_SYNC": True,
                      "AUDIT_CHECKPOINT_INTERVAL": 3600})
    with app.app_context(), connection():
        start = time.perf_counter()
        _county, villages = build_county(args.townships, args.villages)
        fill(args.appeals, villages, utcnow())
        generated = time.perf_counter() - start
        start = time.perf_counter()
        tally.rebuild()
        print(f"generated {args.appeals} appeals in {generated:.0f}s, tallies rebuilt in "
              f"{time.perf_counter() - start:.0f}s ({data})")
    (data / "GENERATED").write_text(f"{args.appeals} appeals, {args.townships} townships × {args.villages} villages\n")


def measure(instance):
    from portal import create_app
    from portal.appeals import services, stats
    from portal.appeals.models import Appeal
    from portal.core.clock import utcnow
    from portal.core.db import connection
    from portal.units.models import Unit
    app = create_app({"INSTANCE_DIR": str(instance), "APPEAL_SWEEP_SECONDS": 0, "SEARCH_SYNC": True,
                      "AUDIT_CHECKPOINT_INTERVAL": 3600})
    with app.app_context(), connection():
        now = utcnow()
        township = Unit.select().where(Unit.level == "township").order_by(Unit.code).first()
        print("township", township.code, "appeals in it:",
              Appeal.select().where(Appeal.village.in_(stats.villages_under(township))).count())
        client = app.test_client()
        url = f"/appeals/stats/{township.code}"
        assert client.get(url).status_code == 200
        print("stats page (tallies)   ", timed(lambda: client.get(url), 40), "load", load())
        print("figures (tallies)      ", timed(lambda: stats.compute(township), 40))
        print("figures (row scan, baseline)", timed(lambda: stats.scan(township), 5))

        village = stats.villages_under(township)[0]
        filing = timed(lambda: services.file_appeal(village, "roads", "村道中段有个大坑，下雨积水。"), 200)
        print("file an appeal (audited)", filing, "load", load())

        def bare():
            Appeal.create(state="submitted", village=village, holder=village, category="roads", text="坑", due_at=now)
        print("bare row insert (baseline)", timed(bare, 200))

        def due_at(moment):
            return Appeal.select().where(Appeal.state.in_(list(services.HANDLING)) & (Appeal.due_at < moment)).count()
        open_count = Appeal.select().where(Appeal.state.in_(list(services.HANDLING))).count()
        at = now + datetime.timedelta(hours=1)
        due = due_at(at)
        start, cpu = time.perf_counter(), time.process_time()
        moved = services.sweep(at)
        print(f"sweep over {open_count} open appeals, the first over a year never swept: {moved} escalated "
              f"(of {due} due) in {time.perf_counter() - start:.2f}s (load {load()}; the process's CPU "
              f"{time.process_time() - cpu:.2f}s, which the machine's other work moves less)")
        start = time.perf_counter()
        services.sweep(at)
        print(f"sweep again (nothing due): {time.perf_counter() - start:.2f}s")
        later = at + datetime.timedelta(hours=24)
        due = due_at(later)
        start = time.perf_counter()
        moved = services.sweep(later)
        print(f"sweep a day later (a day's deadlines passed, no sweep in between): {moved} escalated (of {due} due) "
              f"in {time.perf_counter() - start:.2f}s (load {load()})")


def load():
    return open("/proc/loadavg").read().split()[0]


if __name__ == "__main__":
    main()
