"""Search benchmark: rebuild rate, query latency, publish→searchable, SQLite FTS5 (trigram) beside it, and
relevance: recall and P@5 of the judged colloquial query set (tests/search/judged_queries.tsv) over the demo
county and the seed articles (bench/search/judged.py).

    PYTHONPATH=. /work/venv/bin/python bench/search/run.py --records 50000 --procs 2

Prints one figure per line and a JSON summary at the end (docs/search.md quotes it).
"""
import argparse
import json
import os
import resource
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from corpus import records  # noqa: E402
import judged  # noqa: E402

from search_index import SearchIndex  # noqa: E402
from search_index.analysis import normalise  # noqa: E402

COMMON = ["公章", "低保", "基层治理", "党建", "修路", "财务", "社区", "群众", "招标", "宅基地"]
RARE = ["顺达建筑", "特困供养", "误工补贴", "河道清淤", "雙灤", "工程验收单", "JZ-2023-0042", "山林承包", "路灯", "党费"]
MULTI = ["公章 居住证明", "低保 公示", "修路 中标", "党建 引领 基层", "土地流转 租金", "社区 治理 群众",
         "村民代表 决议", "宅基地 审批", '"四议两公开"', "财务 凭证 审批人"]
TWO_CHAR = ["公章", "低保", "修路", "党建", "财务", "社区", "群众", "招标", "路灯", "党费", "租金", "救助"]


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _cpu_seconds():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bench_rebuild(ix, docs, procs):
    """Wall-clock rate, and the CPU seconds it took (this process and its workers).

    The machine is shared: with other jobs running, the wall-clock rate says
    more about them than about the index; ``cpu`` gives the rate 2 free cores
    would reach (records / (cpu / 2)), reported beside it.
    """
    cpu0, start = _cpu_seconds(), time.perf_counter()
    count = ix.rebuild(docs, procs=procs)
    elapsed, cpu = time.perf_counter() - start, _cpu_seconds() - cpu0
    return count / elapsed, elapsed, cpu


def bench_queries(ix, queries, rounds=3):
    for q in queries:
        ix.search(q)                                   # warm caches once
    times = []
    for _ in range(rounds):
        for q in queries:
            start = time.perf_counter()
            ix.search(q)
            times.append((time.perf_counter() - start) * 1000)
    return pct(times, 0.5), pct(times, 0.95)


def bench_publish(path, n=20):
    writer, reader = SearchIndex(path), SearchIndex(path)
    times = []
    for i in range(n):
        token = f"新告示{i}号"
        doc = {"type": "publication", "id": f"live-{i}", "title": f"{token}公章使用", "body": "村委会公章使用公示",
               "village": "330100001000", "township": "330100000000", "category": "用章",
               "published_at": datetime.now(timezone.utc), "url": f"/p/live-{i}"}
        start = time.perf_counter()
        writer.apply([("publication", doc["id"], doc)], audit_index=10_000_000 + i)
        while not any(h["id"] == doc["id"] for h in reader.search(f'"{token}"').hits):
            time.sleep(0.005)
        times.append((time.perf_counter() - start) * 1000)
    return pct(times, 0.5), max(times)


def fts5(docs, path):
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='trigram')")
    start = time.perf_counter()
    with db:
        db.executemany("INSERT INTO t(rowid, title, body) VALUES (?, ?, ?)",
                       ((int(d["id"]), normalise(d["title"]), normalise(d["body"])) for d in docs))
    return db, len(docs) / (time.perf_counter() - start)


def fts5_query(db, q):
    match = " ".join('"%s"' % part.strip('"').replace('"', "") for part in normalise(q).split())
    try:
        total = db.execute("SELECT count(*) FROM t WHERE t MATCH ?", (match,)).fetchone()[0]
        db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY rank LIMIT 10", (match,)).fetchall()
    except sqlite3.OperationalError:
        total = 0
    return total


def fts5_latency(db, queries, rounds=3):
    times = []
    for _ in range(rounds):
        for q in queries:
            start = time.perf_counter()
            fts5_query(db, q)
            times.append((time.perf_counter() - start) * 1000)
    return pct(times, 0.5), pct(times, 0.95)


def recall_two_char(ix, db, docs):
    """Share of records containing the two characters that each engine returns."""
    texts = [normalise(d["title"] + d["body"]) for d in docs]
    whoosh_r, fts_r = [], []
    for q in TWO_CHAR:
        truth = sum(q in t for t in texts)
        if truth:
            whoosh_r.append(min(1.0, ix.search(q).total / truth))
            fts_r.append(min(1.0, fts5_query(db, q) / truth))
    return statistics.mean(whoosh_r), statistics.mean(fts_r)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50000)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--judged-only", action="store_true", help="only the judged set's recall and P@5")
    args = parser.parse_args()
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        docs = judged.corpus()
        ix = SearchIndex(Path(tmp) / "judged")
        ix.rebuild(docs)
        scores, recall, p5 = judged.evaluate(ix, docs, judged.load_judged())
        out.update(judged_queries=len(scores), judged_documents=len(docs), judged_recall=round(recall, 3),
                   judged_p_at_5=round(p5, 3))
        print(f"judged set: {len(scores)} queries over {len(docs)} documents: mean recall {recall:.3f}, "
              f"mean P@5 {p5:.3f}", flush=True)
    if args.judged_only:
        print(json.dumps(out, ensure_ascii=False))
        return
    out.update(records=args.records, procs=args.procs)
    docs = list(records(args.records, seed=1))
    out["avg_chars"] = round(statistics.mean(len(d["title"]) + len(d["body"]) for d in docs))
    with tempfile.TemporaryDirectory() as tmp:
        ix = SearchIndex(Path(tmp) / "ix")
        load = os.getloadavg()[0]
        rate, elapsed, cpu = bench_rebuild(ix, docs, args.procs)
        cpu_rate = len(docs) / (cpu / max(1, args.procs))
        out.update(rebuild_rate=round(rate), rebuild_seconds=round(elapsed, 1), rebuild_cpu_seconds=round(cpu, 1),
                   rebuild_rate_per_free_cores=round(cpu_rate), load_before=round(load, 1),
                   load_after=round(os.getloadavg()[0], 1))
        print(f"rebuild: {rate:.0f} records/s wall ({elapsed:.1f} s, load {load:.1f}); {cpu:.1f} CPU-s "
              f"= {cpu_rate:.0f} records/s on {args.procs} free cores", flush=True)
        queries = COMMON + RARE + MULTI
        p50, p95 = bench_queries(ix, queries)
        out.update(query_p50_ms=round(p50, 1), query_p95_ms=round(p95, 1))
        print(f"query latency (with facets): p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
        pub50, pubmax = bench_publish(Path(tmp) / "ix")
        out.update(publish_p50_ms=round(pub50, 1), publish_max_ms=round(pubmax, 1))
        print(f"publish→searchable: p50 {pub50:.0f} ms, max {pubmax:.0f} ms", flush=True)
        db, fts_rate = fts5(docs, str(Path(tmp) / "fts.db"))
        long_queries = [q for q in queries if all(len(p.strip('"')) >= 3 for p in q.split())]
        f50, f95 = fts5_latency(db, long_queries)
        w50, w95 = bench_queries(ix, long_queries)
        rw, rf = recall_two_char(ix, db, docs)
        out.update(fts5_insert_rate=round(fts_rate), fts5_p50_ms=round(f50, 2), fts5_p95_ms=round(f95, 2),
                   whoosh_p50_ms_same_queries=round(w50, 1), whoosh_p95_ms_same_queries=round(w95, 1),
                   latency_ratio_p50_whoosh_over_fts5=round(w50 / f50, 1) if f50 else None,
                   recall_two_char_whoosh=round(rw, 3), recall_two_char_fts5=round(rf, 3))
        print(f"FTS5 trigram: insert {fts_rate:.0f} records/s; ≥3-char queries p50 {f50:.2f} ms p95 {f95:.2f} ms "
              f"(Whoosh on the same: p50 {w50:.1f} p95 {w95:.1f} ms)", flush=True)
        print(f"two-character query recall: Whoosh {rw:.3f}, FTS5 trigram {rf:.3f}", flush=True)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
