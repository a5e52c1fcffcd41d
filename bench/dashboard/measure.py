"""Dashboard benchmark at county scale: pages and stats API from the precomputed rows vs a baseline
computing the same figures on request; the full rebuild, one change's recompute, the county export.

    PYTHONPATH=. python bench/dashboard/measure.py [--dir /tmp/bench-data/dashboard] [--scale 1.0] [--n 200]

The database is generated once into ``--dir`` (reused on the next run; ``--generate-only`` stops there,
to generate outside the benchmark lock at low priority). Requests go through Flask's
test client in this process (no network, no gevent), the same for the precomputed path and the
baseline. The export runs in a child process (as the server runs it); its peak memory is the
child's maximum resident set.
"""
import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

COUNTY = "350528000000"


def make(instance):
    from portal import create_app
    return create_app({"TESTING": True, "INSTANCE_DIR": str(instance), "DASHBOARD_SYNC": True,
                       "DASHBOARD_SYNC_EXPORT": True, "AUDIT_CHECKPOINT_INTERVAL": 0,
                       "SEARCH_NO_CATCH_UP": True})


def pct(samples, p):
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(round(p / 100 * (len(samples) - 1))))]


def timed(fn, n):
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def line(name, samples):
    print(f"  {name:44} n={len(samples):4}  p50 {statistics.median(samples):8.1f} ms  p95 {pct(samples, 95):8.1f} ms")


def baseline(app, unit_code):
    """What a page computing on request would do: every figure over the unit's villages, now."""
    from portal.core import memo, registry
    from portal.core.clock import today
    from portal.dashboard.tree import Tree
    villages = Tree().villages_under[unit_code]
    with memo.scope():
        return {k: f.compute(villages, today()) for k, f in registry.of(app).figures.items()}


def export_child(instance):
    """Child process: build the county export (as the server's child does) and print its size."""
    from portal.core.db import connection
    from portal.dashboard import export
    from portal.units.models import Unit
    app = make(instance)
    with app.test_request_context(), connection():
        export.ExportJob.delete().execute()
        job, _ = export.request_export(Unit.get_by_id(COUNTY))
        job = export.ExportJob.get_by_id(job.id)
        print(job.status, job.size, job.path, job.error[:300])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="/tmp/bench-data/dashboard")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--baseline-n", type=int, default=5)
    parser.add_argument("--export-child", action="store_true")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--no-rebuild", action="store_true", help="keep the figures a previous run stored")
    args = parser.parse_args()
    instance = Path(args.dir) / "instance"
    if args.export_child:
        export_child(instance)
        return
    from portal.core.db import connection
    from portal.dashboard import precompute
    from bench.dashboard.generate import TOWNSHIPS, generate
    fresh = not (instance / "portal.db").exists()
    app = make(instance)
    s = args.scale
    with app.app_context(), connection():
        if fresh:
            start = time.perf_counter()
            generate(scale=s)
            print(f"generated in {time.perf_counter() - start:.0f} s", flush=True)
        if args.generate_only:
            return
        from portal.units.models import Unit
        from portal.appeals.models import Appeal
        from portal.ledger.models import Entry
        from portal.projects.models import Project
        from portal.publications.models import Publication
        from portal.seals.models import SealUse
        print(f"county: {Unit.select().where(Unit.level == 'village').count()} villages, "
              + ", ".join(f"{m.select().count():,} {name}" for m, name in (
                  (Entry, "ledger entries"), (Appeal, "appeals"), (Project, "projects"), (SealUse, "seal uses"),
                  (Publication, "publications"))), flush=True)
        from portal.dashboard.models import UnitFigure
        if not (args.no_rebuild and UnitFigure.select().exists()):
            start = time.perf_counter()
            stored = precompute.rebuild(app)
            print(f"full rebuild: {stored} values in {time.perf_counter() - start:.1f} s", flush=True)
        village = Unit.select().where(Unit.level == "village").order_by(Unit.code).first().code
        plan = {k: {village} for k in app.extensions["portal"].figures}
        change = timed(lambda: precompute.recompute(app, plan), 3)
        line("one village's change (village+township+county)", change)
    client = app.test_client()
    townships = [f"350528{t + 1:03d}000" for t in range(TOWNSHIPS)]
    rng = random.Random(1)
    for name, url in (("township page (precomputed)", lambda: f"/dashboard/{rng.choice(townships)}"),
                      ("county page (precomputed)", lambda: f"/dashboard/{COUNTY}"),
                      ("stats API township (precomputed)", lambda: f"/api/v1/stats/{rng.choice(townships)}"),
                      ("stats API county (precomputed)", lambda: f"/api/v1/stats/{COUNTY}")):
        def hit():
            r = client.get(url())
            assert r.status_code == 200, r.status_code
        hit()
        line(name, timed(hit, args.n))
    with app.app_context(), connection():
        line("baseline: township computed on request", timed(lambda: baseline(app, rng.choice(townships)),
                                                              args.baseline_n))
        line("baseline: county computed on request", timed(lambda: baseline(app, COUNTY), args.baseline_n))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--dir", args.dir, "--export-child"], capture_output=True,
                         text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=str(ROOT))
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"county export: {out.stdout.strip()[:200]} {out.stderr.strip()[-500:]}")
    print(f"county export: {elapsed:.1f} s wall, child peak RSS {max(peak, before) / 1024:.0f} MB")


if __name__ == "__main__":
    main()
