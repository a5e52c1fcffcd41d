"""Audit log benchmarks: append rate, full verification vs plain hashlib, proof latency.

    PYTHONPATH=. python bench/audit/run.py [--entries 1000000] [--small 100000] [--repeat 3]
                                           [--workdir /tmp/audit-bench] [--pg URL]

Prints a table; docs/audit.md records the figures of a run.
"""
import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from common import fill, open_log  # noqa: E402

from audit import log  # noqa: E402


def fresh_sqlite(path):
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{path}"


def bench_append(url, label):
    out = {}
    for per_txn, count, many, how in ((1, 2000, False, "append"), (1000, 50000, False, "append"),
                                      (1000, 50000, True, "append_many")):
        db = open_log(url)
        out[f"{label} {how}, {per_txn}/txn (entries/s)"] = round(fill(db, count, per_txn, many=many))
        db.close()
    return out


def baseline_hashing(url):
    """Plain hashlib over the same leaf and node bytes: leaf = H(0||entry), nodes by a stack."""
    db = open_log(url)
    total, last, stack_sizes = 0.0, -1, []
    stack = []
    sha = hashlib.sha256
    while True:
        rows = db.execute_sql(f"SELECT idx, entry FROM audit_entry WHERE idx > {last} ORDER BY idx LIMIT 20000").fetchall()
        if not rows:
            break
        datas = [bytes(r[1]) for r in rows]
        start = time.perf_counter()
        for data in datas:
            h = sha(b"\x00" + data).digest()
            size = 1
            while stack_sizes and stack_sizes[-1] == size:
                h = sha(b"\x01" + stack.pop() + h).digest()
                stack_sizes.pop()
                size *= 2
            stack.append(h)
            stack_sizes.append(size)
        total += time.perf_counter() - start
        last = rows[-1][0]
    db.close()
    return total


def verify_in_subprocess(url, workers, loop="c"):
    """Full ``verify_database`` in a fresh process: wall and CPU seconds, peak memory of it and its workers.

    ``loop``: "c" (``audit._scanloop``, refused if it is not built) or "python" (the reference loop).
    """
    code = ("import sys,time,resource,json; sys.path[:0]=%r\n"
            "from audit import db as d, scan\nfrom audit.verify import verify_database\n"
            "if %r == 'python': scan.LOOP = None\n"
            "elif scan.LOOP is None: sys.exit('audit._scanloop is not built: pip install -e .')\n"
            "db=d.open_url(%r); d.database.initialize(db); db.connect()\n"
            "t=time.perf_counter(); n=verify_database(progress=False, workers=%d); t=time.perf_counter()-t\n"
            "me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "print(json.dumps({'n': n, 'seconds': t, 'cpu': me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,"
            " 'maxrss_kb': me.ru_maxrss, 'worker_maxrss_kb': kids.ru_maxrss}))"
            % ([str(HERE.parents[1])], loop, url, workers))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


VERIFY_RUNS = (("verify 2 workers", 2, "c"), ("verify 1 process", 1, "c"),
               ("verify 1 process, Python loop", 1, "python"))


def bench_verify(url, count, repeat):
    """Verification (C loop with 2 workers and 1; Python loop with 1) against plain hashing,
    interleaved ``repeat`` times: best and median."""
    runs = {key: [] for key, _, _ in VERIFY_RUNS}
    cpu = {key: [] for key, _, _ in VERIFY_RUNS}
    runs["plain hashlib"], rss = [], []
    for _ in range(repeat):
        for key, workers, loop in VERIFY_RUNS:
            v = verify_in_subprocess(url, workers, loop)
            assert v["n"] == count, v
            runs[key].append(v["seconds"])
            cpu[key].append(v["cpu"])
            rss.append(max(v["maxrss_kb"], v["worker_maxrss_kb"]))
        runs["plain hashlib"].append(baseline_hashing(url))
    out = {}
    base_best, base_median = min(runs["plain hashlib"]), statistics.median(runs["plain hashlib"])
    for key, xs in runs.items():
        line = f"best {min(xs):.2f} s, median {statistics.median(xs):.2f} s"
        if key in cpu:
            line += (f" = {min(xs) / base_best:.2f}x / {statistics.median(xs) / base_median:.2f}x plain; "
                     f"CPU {statistics.median(cpu[key]):.2f} s")
        out[f"verify {count}: {key}"] = line
    out[f"verify {count}: max RSS of any process (MB)"] = round(max(rss) / 1024, 1)
    return out


def proof_latency(url, samples=2000):
    """``log.inclusion_proof`` / ``log.consistency_proof`` as a service calls them."""
    db = open_log(url)
    n = log.size()
    rng = random.Random(7)
    inc, con, cpu_inc, cpu_con = [], [], [], []
    for _ in range(samples):
        i = rng.randrange(n)
        t, c = time.perf_counter(), time.process_time()
        log.inclusion_proof(i, n)
        inc.append(time.perf_counter() - t)
        cpu_inc.append(time.process_time() - c)
        m = rng.randrange(1, n)
        t, c = time.perf_counter(), time.process_time()
        log.consistency_proof(m, n)
        con.append(time.perf_counter() - t)
        cpu_con.append(time.process_time() - c)
    db.close()
    return {f"inclusion proof at {n}": _pct(inc) + "; CPU " + _pct(cpu_inc),
            f"consistency proof at {n}": _pct(con) + "; CPU " + _pct(cpu_con)}


def _pct(xs):
    q = statistics.quantiles(xs, n=100)
    return f"p50 {q[49] * 1000:.2f} ms, p99 {q[98] * 1000:.2f} ms"


def http_latency(url, work, samples=1000):
    """The proof endpoints through the portal's Flask app (test client: the whole WSGI stack, no socket)."""
    sys.path.insert(0, str(HERE.parents[1]))
    from portal import create_app
    # The key's passphrase file may not sit beside the SQLite database it protects (portal.config refuses it).
    os.environ.setdefault("AUDIT_KEY_PASSPHRASE_FILE", str(work.parent / f"{work.name}.audit-passphrase"))
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_DIR": str(work / "instance"),
                      "AUDIT_CHECKPOINT_INTERVAL": 5})
    client = app.test_client()
    n = client.get("/api/v1/audit/checkpoint").get_json()["size"]
    rng = random.Random(11)
    inc, con = [], []
    for _ in range(samples):
        i = rng.randrange(n)
        t = time.perf_counter()
        res = client.get(f"/api/v1/audit/proof/inclusion?index={i}")
        inc.append(time.perf_counter() - t)
        assert res.status_code == 200
        m = rng.randrange(1, n)
        t = time.perf_counter()
        res = client.get(f"/api/v1/audit/proof/consistency?from={m}&to={n}")
        con.append(time.perf_counter() - t)
        assert res.status_code == 200
    return {f"HTTP inclusion proof at {n}": _pct(inc), f"HTTP consistency proof at {n}": _pct(con)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="second size, to show memory stays flat")
    parser.add_argument("--workdir", default="/tmp/audit-bench")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved verify/baseline rounds (shared machine)")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    results = {}
    results.update(bench_append(fresh_sqlite(work / "append.db"), "SQLite"))
    schema = "bench_audit_" + uuid.uuid4().hex[:8]
    try:
        results.update(bench_append(f"{args.pg}?schema={schema}", "PostgreSQL"))
    finally:
        import psycopg2
        conn = psycopg2.connect(args.pg)
        conn.autocommit = True
        conn.cursor().execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.close()
    for count in (args.small, args.entries):
        url = fresh_sqlite(work / f"log-{count}.db")
        db = open_log(url)
        start = time.perf_counter()
        fill(db, count, 1000)
        results[f"generate {count} entries (s)"] = round(time.perf_counter() - start, 1)
        db.close()
        results.update(bench_verify(url, count, args.repeat))
    results.update(proof_latency(url))
    results.update(http_latency(url, work))
    width = max(map(len, results))
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
