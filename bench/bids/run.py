"""Village works at county scale: red flags recomputed, one change re-flagged, the OCDS bulk file.

``PYTHONPATH=. python bench/bids/run.py [--n 20000] [--data DIR] [--generate-only]``

The generator writes a county of 10 townships × 20 villages and ``n`` processes (1–5 bids each,
awarded, contracted, accepted, paid; a few per thousand built to raise each flag) straight into the
tables of a SQLite instance in ``--data`` (default ``/tmp/bench-data/sealsbids/bids-<n>``; reused when
already generated with the same size, so the data is made outside the timing lock). Each process's
releases are those ``portal.projects.ocds.build`` writes for a real process with the same number of
bids (create, tender, each bid, opening, evaluation, award, contract, acceptance, payment), with the
ocid and dates of the process. Measured in the same run:

- the recompute the portal runs (``portal.redflags.services.rebuild``: every rule's county scan made
  equal to the red-flag table), into an empty table and again with nothing changed; baseline: reading
  the county's rows alone (the floor any rule pays);
- one project's change re-flagged: a payment above the contract is written to a project's row, then the
  after-commit path (``redflags.services.on_public_changed``: every rule's ``check`` and the store)
  runs, p50/p95/max over 50 projects;
- the county's OCDS bulk release package written into a zip entry by the open-data export's own writer
  (``portal.projects.exports.ocds_documents``), time and the process's peak resident memory (VmHWM,
  reset with ``/proc/self/clear_refs`` just before, so it is the whole process at its highest while
  writing: interpreter, app, SQLite cache and buffers); baseline: the same rows read into one list;
  and the same package streamed by ``GET /api/v1/ocds/bulk/<county>.json`` through the app in process
  (Flask's test client), read to the end.

Targets (issue 13): flags ≤ 10 s; one change ≤ 100 ms; bulk file ≤ 60 s in ≤ 256 MB.
"""
import argparse
import datetime
import json
import os
import random
import statistics
import tempfile
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

COUNTY = "350599000000"


def generate(n, rng):
    from portal.core.db import database
    from portal.projects.models import Bid, Project, Release
    from portal.units.models import Unit
    county = Unit.create(code=COUNTY, name="基准县", level="county", path=f"/{COUNTY}/")
    villages = []
    for t in range(10):
        tcode = f"3505991{t:02d}000"
        Unit.create(code=tcode, name=f"镇{t}", level="township", parent=county, path=f"{county.path}{tcode}/")
        for v in range(20):
            vcode = f"3505991{t:02d}{200 + v:03d}"
            Unit.create(code=vcode, name=f"村{t}-{v}", level="village", parent=tcode,
                        path=f"{county.path}{tcode}/{vcode}/")
            villages.append(vcode)
    start = datetime.datetime(2024, 12, 1)
    works = ["村道硬化", "排水沟改造", "路灯安装", "活动中心修缮", "饮水管网改造", "河道护岸", "公厕改造"]
    templates = {}  # number of bids -> the releases of the first real process with that many
    projects, bids, pending = [], [], []
    bid_id = 0
    for i in range(1, n + 1):
        village = rng.choice(villages)
        budget = Decimal(rng.choice([40000, 60000, 90000, 150000, 300000, 600000, 1500000]))
        day = start + datetime.timedelta(days=rng.randint(0, 720), hours=1)
        deadline = day + datetime.timedelta(days=6 if budget < 1000000 else 25)
        k = rng.randint(2, 5) if rng.random() > 0.01 else 1
        amounts = sorted(budget * Decimal(str(round(rng.uniform(0.82, 0.97), 4))) for _ in range(k))
        codes = rng.sample(range(1, 200000), k)
        win = bid_id + 1
        for a, c in zip(amounts, codes):
            bid_id += 1
            bids.append({"id": bid_id, "project": i, "bidder": f"公司{c}", "credit_code": f"91350599MA{c:07d}X",
                         "contact": "", "amount": a.quantize(Decimal("0.01")),
                         "received_at": day + datetime.timedelta(days=2), "late": False, "status": "valid",
                         "reason": ""})
        award = amounts[0].quantize(Decimal("0.01"))
        gap = float((amounts[1] - amounts[0]) / amounts[0]) if k > 1 else None
        ocid = f"ocds-xxxxxx-350599-{village[6:]}-{i:05d}"
        projects.append({
            "id": i, "village": village, "ocid": ocid, "title": f"{village}{rng.choice(works)}工程{i}",
            "description": "硬化村道 600 米，宽 4.5 米，含排水沟及路肩。", "budget": budget,
            "funding_source": "村集体自筹、上级补助", "decision": "经村民代表会议决定（四议两公开）",
            "procedure": "quotes" if budget < 100000 else "invited" if budget < 1000000 else "open",
            "tender_description": "邀请具备相应资质的施工单位报价，工期 60 天。", "state": "contracted",
            "tender_start": day, "tender_deadline": deadline, "opened_at": deadline,
            "evaluated_at": deadline + datetime.timedelta(hours=2), "award_bid": win, "award_amount": award,
            "awarded_at": deadline + datetime.timedelta(days=1), "contract_amount": award, "contract_value": award,
            "contract_signed_on": (day + datetime.timedelta(days=10)).date(),
            "accepted_on": (day + datetime.timedelta(days=80)).date(), "paid_total": award, "bid_gap": gap,
            "bidder_key": "%016x" % rng.getrandbits(64), "winner_key": f"91350599MA{codes[0]:07d}X",
            "created_at": day, "updated_at": day, "release_seq": 0, "audit_index": i})
        pending.append((i, village, ocid, day, k))
        if len(projects) >= 2000 or i == n:
            with database.atomic():
                for model, rows in ((Project, projects), (Bid, bids)):
                    for chunk in range(0, len(rows), 500):
                        model.insert_many(rows[chunk:chunk + 500]).execute()
                releases = []
                for pid, village, ocid, day, k in pending:
                    if k not in templates:
                        templates[k] = _template(Project.get_by_id(pid))
                    for seq, (tag, text, offset) in enumerate(templates[k], start=1):
                        releases.append({"project": pid, "village": village,
                                         "release_id": f"{ocid}-{seq:03d}-{tag}", "tag": tag,
                                         "date": day + offset, "data": text.replace("@OCID@", ocid),
                                         "audit_index": pid})
                    Project.update(release_seq=len(templates[k])).where(Project.id == pid).execute()
                for chunk in range(0, len(releases), 500):
                    Release.insert_many(releases[chunk:chunk + 500]).execute()
            projects, bids, pending = [], [], []
    return villages


def _template(project):
    """The releases ``portal.projects.ocds`` builds for ``project``'s steps, its ocid left open."""
    from portal.projects import ocds
    from portal.projects.models import Bid
    steps = [("create", project.created_at, None), ("tender", project.tender_start, None)]
    steps += [("bid", b.received_at, b) for b in Bid.select().where(Bid.project == project.id).order_by(Bid.id)]
    steps += [("open", project.opened_at, None), ("evaluate", project.evaluated_at, None),
              ("award", project.awarded_at, None), ("contract", project.awarded_at, None),
              ("accept", project.awarded_at, SimpleNamespace(id=project.id, title="竣工验收", kind="acceptance",
                                                             done_on=project.accepted_on)),
              ("pay", project.awarded_at, SimpleNamespace(id=project.id, paid_on=project.accepted_on,
                                                          amount=project.award_amount, ledger_entry=None))]
    out = []
    for seq, (step, when, subject) in enumerate(steps, start=1):
        rel = ocds.build(project, step, seq, when, subject)
        text = json.dumps(rel, ensure_ascii=False, separators=(",", ":")).replace(project.ocid, "@OCID@")
        out.append((ocds.TAGS[step], text, when - project.created_at))
    return out


def peak_rss_reset():
    """Reset the process's peak resident set (VmHWM) to its current size (Linux ≥ 4.0)."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def rss():
    """(current, peak) resident memory of this process in MB."""
    fields = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024



def settle(app):
    """Wait until the dashboard's background worker has taken every change announced so far (the flags'
    follow-on work is not part of the next figure)."""
    from portal.dashboard import precompute
    worker = precompute.of(app)
    while not worker._queue.empty():
        time.sleep(0.2)
    time.sleep(0.5)


def bulk(app, villages):
    """The county's bulk file written by the export's writer into a zip entry: time and peak memory."""
    from portal.projects import exports
    from portal.projects.models import Release
    releases = Release.select().count()
    path = Path(tempfile.mkdtemp()) / "export.zip"
    peak_rss_reset()
    before, _ = rss()
    t = time.perf_counter()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        with zf.open("documents/ocds_releases.json", "w", force_zip64=True) as entry:
            exports.ocds_documents(villages)["ocds_releases.json"](entry)
    elapsed = time.perf_counter() - t
    _, peak = rss()
    with zipfile.ZipFile(path) as zf:
        size = zf.getinfo("documents/ocds_releases.json").file_size
        with zf.open("documents/ocds_releases.json") as fh:
            package = json.load(fh)
    assert len(package["releases"]) == releases
    assert len({(r["ocid"], r["id"]) for r in package["releases"]}) == releases
    del package
    print(f"OCDS bulk release package (export writer, into a zip entry): {releases} releases, "
          f"{size / 2**20:.0f} MB written in {elapsed:.1f}s, process peak {peak:.0f} MB (from {before:.0f} MB) "
          f"(targets <= 60 s, <= 256 MB); parses, (ocid, id) unique")
    os.unlink(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--data", help="instance folder to generate into or reuse")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--bulk-only", action="store_true",
                        help="only the bulk file, in this fresh process (its peak memory is the writer's alone)")
    args = parser.parse_args()
    for job in ("PORTAL_APPEAL_SWEEP_SECONDS", "FOLLOWUP_ESCALATE_SECONDS", "PORTAL_REPORTS_SWEEP_SECONDS"):
        os.environ[job] = "0"  # no periodic job writes while we time
    from portal import create_app
    from portal.core.db import database
    data = Path(args.data or f"/tmp/bench-data/sealsbids/bids-{args.n}")
    marker = data / "generated.json"
    reuse = marker.exists() and json.loads(marker.read_text())["n"] == args.n
    if not reuse and data.exists() and any(data.iterdir()):
        raise SystemExit(f"{data} holds something else: remove it or give another --data")
    app = create_app({"INSTANCE_DIR": str(data / "instance"), "SEARCH_SYNC": False, "DASHBOARD_SYNC": False})
    app.app_context().push()
    database.connect(reuse_if_open=True)
    from portal.projects import exports, flags
    from portal.projects.models import Project, Release
    from portal.redflags import services as redflags
    from portal.redflags.models import RedFlag
    if reuse:
        villages = json.loads(marker.read_text())["villages"]
        print(f"reusing {args.n} processes from {data}")
    else:
        t = time.perf_counter()
        villages = generate(args.n, random.Random(13))
        database.execute_sql("ANALYZE")
        marker.write_text(json.dumps({"n": args.n, "villages": villages}))
        print(f"generated {Project.select().count()} processes, {Release.select().count()} releases "
              f"in {time.perf_counter() - t:.1f}s")
    if args.generate_only:
        return
    if args.bulk_only:
        bulk(app, villages)
        return
    # the run's own change (below) is undone first, so every run starts from the generated data
    Project.update(paid_total=Project.contract_value).execute()

    t = time.perf_counter()
    flags._snapshot["mark"] = None
    facts = flags.county_facts()
    floor = time.perf_counter() - t
    print(f"baseline: reading the county's rows alone {floor:.2f}s ({len(facts)} processes)")
    flags._snapshot["mark"] = None
    RedFlag.delete().execute()
    t = time.perf_counter()
    counts = redflags.rebuild(app)
    cold = time.perf_counter() - t
    settle(app)
    t = time.perf_counter()
    redflags.rebuild(app)
    warm = time.perf_counter() - t
    settle(app)
    raised = {code: n for code, n in counts.items() if code.startswith("projects.") and n}
    print(f"red flags recomputed (redflags.rebuild, every registered rule) over {len(facts)} processes: "
          f"into an empty table {cold:.2f}s, again with nothing changed {warm:.2f}s (target <= 10s); raised "
          f"{sum(raised.values())}: " + ", ".join(f"{k.split('.')[1]}={v}" for k, v in raised.items()))

    times = []
    for pid in random.Random(5).sample(range(1, args.n + 1), 50):
        row = Project.get_by_id(pid)
        Project.update(paid_total=row.contract_value + 1000, audit_index=row.audit_index + 1).where(
            Project.id == pid).execute()
        t = time.perf_counter()
        redflags.on_public_changed("public.changed", doc_type="project", object_id=str(pid))
        times.append((time.perf_counter() - t) * 1000)
        assert RedFlag.select().where((RedFlag.code == "projects.R068") & (RedFlag.object_id == pid)
                                      & RedFlag.cleared_at.is_null()).exists(), pid
        settle(app)  # the dashboard's follow-on work of this change, before the next one is timed
    settle(app)
    times.sort()
    print(f"one project's change re-flagged (on_public_changed: all {len(flags.RULES)} project rules' check + "
          f"store): p50 {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, "
          f"max {times[-1]:.1f} ms (target <= 100 ms)")
    Project.update(paid_total=Project.contract_value).execute()

    releases = Release.select().count()
    database.close()  # the app's requests and the writer below open their own connection, as in production
    database.connect()
    peak_rss_reset()
    before, _ = rss()
    t = time.perf_counter()
    rows = [r[0] for r in Release.select(Release.data).tuples()]
    base_time = time.perf_counter() - t
    _, base_peak = rss()
    del rows
    print(f"baseline: the bulk rows read into one list {base_time:.1f}s, process peak {base_peak:.0f} MB "
          f"(from {before:.0f} MB)")

    bulk(app, villages)
    # the same writer in a fresh process: its peak is what writing the bulk file costs, not this run's history
    import subprocess
    import sys
    subprocess.run([sys.executable, __file__, "--n", str(args.n), "--data", str(data), "--bulk-only"], check=True)

    client = app.test_client()
    peak_rss_reset()
    before, _ = rss()
    t = time.perf_counter()
    response = client.get(f"/api/v1/ocds/bulk/{COUNTY}.json", buffered=False)
    streamed = sum(len(chunk) for chunk in response.response)
    response.close()
    elapsed = time.perf_counter() - t
    _, peak = rss()
    print(f"the same over GET /api/v1/ocds/bulk/{COUNTY}.json (test client, streamed): {streamed / 2**20:.0f} MB "
          f"in {elapsed:.1f}s, process peak {peak:.0f} MB (from {before:.0f} MB)")


if __name__ == "__main__":
    main()
