"""Query latency of the current query parser against another version of ``search_index/query.py``, same index.

    PYTHONPATH=. python bench/search/compare_queries.py --records 50000 --old /tmp/old_query.py
    PYTHONPATH=. python bench/search/compare_queries.py --records 200000 --old /tmp/old_query.py \\
        --tree main=/tmp/main-tree --index /tmp/bench-data/ix200k

What the dictionary and the tiered ranking cost per query, measured head to head in
one process (the shared machine's load moves both alike). ``--tree LABEL=DIR`` adds
another tree's whole ``search_index`` package (parser and engine, e.g. a ``git
archive`` of main), loaded beside this one in the same process: each round then
times the old parser and each tree's own parser on each tree's engine, interleaved.
``--index DIR`` reuses (or builds once into) an index directory instead of a
temporary one, so the larger sizes need not be rebuilt for every session.

An engine that keeps what earlier queries read (``Snapshot.clear_caches``, and the
parser's ``clear_cache``) is also timed "cold": everything kept is forgotten before
each timed query, so each runs as the first of its kind (the figure for a query
nobody asked since the index last changed).
"""
import time
import argparse
import importlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from corpus import records  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_search_run", Path(__file__).with_name("run.py"))
_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_run)

from search_index import SearchIndex  # noqa: E402
from search_index import index as index_module  # noqa: E402

_PACKAGE = "search_index"


def _own(name):
    return name == _PACKAGE or name.startswith(_PACKAGE + ".")


def load_tree(root):
    """Another tree's ``search_index`` modules {name: module}, imported beside this process's own.

    Its modules import each other by the package name, so this one's are set aside while they load and put
    back afterwards; each package keeps references to its own modules.
    """
    saved = {k: v for k, v in sys.modules.items() if _own(k)}
    for k in saved:
        del sys.modules[k]
    sys.path.insert(0, str(root))
    try:
        for name in ("search_index", "search_index.index", "search_index.query", "search_index.engine"):
            importlib.import_module(name)
        loaded = {k: v for k, v in sys.modules.items() if _own(k)}
    finally:
        sys.path.remove(str(root))
        for k in [k for k in sys.modules if _own(k)]:
            del sys.modules[k]
        sys.modules.update(saved)
    return loaded


def load_old(path, query_module):
    """The other query.py, building its trees from ``query_module``'s node classes (those its engine knows)."""
    spec = importlib.util.spec_from_file_location("search_index.query_old", path)
    old = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(old)
    for name in ("Term", "Prefix", "And", "Or", "AndNot", "Phrase", "Parsed"):
        setattr(old, name, getattr(query_module, name))
    return old


def bench_queries(ix, queries, query_module, cold, rounds=3):
    """p50 and p95 in ms as bench/search/run.py times them; ``cold``: kept trees and postings forgotten first."""
    for text in queries:
        ix.search(text)                                   # warm once (opens the snapshot, loads the segments)
    times = []
    for _ in range(rounds):
        for text in queries:
            if cold:
                query_module.clear_cache()
                for snap in ix._pool:
                    snap.clear_caches()
            start = time.perf_counter()
            ix.search(text)
            times.append((time.perf_counter() - start) * 1000)
    return _run.pct(times, 0.5), _run.pct(times, 0.95)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50000)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--old", required=True, help="path of the other query.py")
    parser.add_argument("--tree", action="append", default=[], metavar="LABEL=DIR",
                        help="another tree whose search_index package (parser and engine) is timed too")
    parser.add_argument("--index", help="index directory to reuse (built there when absent)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from search_index import query as current
    # (label, index module, query module) per engine; "new" is this tree
    engines = [("new", index_module, current)]
    for spec in args.tree:
        label, _, root = spec.partition("=")
        mods = load_tree(Path(root).resolve())
        engines.insert(0, (label, mods["search_index.index"], mods["search_index.query"]))
    variants = []
    for label, module, query_module in engines:
        name = "old" if len(engines) == 1 else f"old@{label}"
        variants.append((name, module, load_old(args.old, query_module).parse, query_module, False))
        variants.append((label, module, module.parse, query_module, False))
        if hasattr(query_module, "clear_cache"):
            variants.append((f"{label}-cold", module, module.parse, query_module, True))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.index) if args.index else Path(tmp) / "ix"
        ix = SearchIndex(path)
        if not ix.is_current():
            ix.rebuild(list(records(args.records, seed=1)), procs=args.procs)
        print(f"index {path}: {ix.doc_count()} records; load average {os.getloadavg()[0]:.2f}", flush=True)
        queries = _run.COMMON + _run.RARE + _run.MULTI
        for round_ in range(args.rounds):
            for name, module, parse, query_module, cold in variants:
                own = module.parse
                module.parse = parse
                try:
                    p50, p95 = bench_queries(module.SearchIndex(path), queries, query_module, cold)
                finally:
                    module.parse = own
                print(f"round {round_ + 1} {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
                      f"(load {os.getloadavg()[0]:.2f})", flush=True)


if __name__ == "__main__":
    main()
