"""Audit log benchmarks: append rate, full verification vs plain hashlib, proof latency.

    PYTHONPATH=. python bench/audit/run.py [--entries 1000000] [--workdir /tmp/audit-bench] [--pg URL]

Prints a table; docs/audit.md records the figures of a run.
"""
import argparse
import hashlib
import json
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


def verify_in_subprocess(url):
    code = ("import sys,time,resource,json; sys.path[:0]=%r\n"
            "from audit import db as d\nfrom audit.verify import verify_database\n"
            "db=d.open_url(%r); d.database.initialize(db); db.connect()\n"
            "t=time.perf_counter(); n=verify_database(progress=False); t=time.perf_counter()-t\n"
            "print(json.dumps({'n': n, 'seconds': t, 'maxrss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))"
            % ([str(HERE.parents[1])], url))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def proof_latency(url, samples=2000):
    db = open_log(url)
    n = log.size()
    rng = random.Random(7)
    inc, con = [], []
    for _ in range(samples):
        i = rng.randrange(n)
        t = time.perf_counter()
        log.inclusion_proof(i, n)
        inc.append(time.perf_counter() - t)
        m = rng.randrange(1, n)
        t = time.perf_counter()
        log.consistency_proof(m, n)
        con.append(time.perf_counter() - t)
    db.close()

    def pct(xs):
        q = statistics.quantiles(xs, n=100)
        return f"p50 {q[49] * 1000:.2f} ms, p99 {q[98] * 1000:.2f} ms"
    return {f"inclusion proof at {n}": pct(inc), f"consistency proof at {n}": pct(con)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="second size, to show memory stays flat")
    parser.add_argument("--workdir", default="/tmp/audit-bench")
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
        v = verify_in_subprocess(url)
        base = baseline_hashing(url)
        results[f"verify {count}: seconds"] = round(v["seconds"], 2)
        results[f"verify {count}: plain hashlib seconds"] = round(base, 2)
        results[f"verify {count}: ratio"] = round(v["seconds"] / base, 2)
        results[f"verify {count}: max RSS (MB)"] = round(v["maxrss_kb"] / 1024, 1)
    results.update(proof_latency(url))
    width = max(map(len, results))
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
