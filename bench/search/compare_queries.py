"""Query latency of the current query parser against another version of ``search_index/query.py``, same index.

    PYTHONPATH=. python bench/search/compare_queries.py --records 50000 --old /tmp/old_query.py

What the dictionary and the tiered ranking cost per query, measured head to head in
one process (the shared machine's load moves both alike).
"""
import argparse
import importlib.util
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50000)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--old", required=True, help="path of the other query.py")
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("search_index.query_old", args.old)
    old = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(old)
    from search_index import query as current
    for name in ("Term", "Prefix", "And", "Or", "AndNot", "Phrase", "Parsed"):    # the engine knows these
        setattr(old, name, getattr(current, name))
    new_parse = index_module.parse
    with tempfile.TemporaryDirectory() as tmp:
        ix = SearchIndex(Path(tmp) / "ix")
        ix.rebuild(list(records(args.records, seed=1)), procs=args.procs)
        queries = _run.COMMON + _run.RARE + _run.MULTI
        for round_ in range(2):
            for name, parse in (("old", old.parse), ("new", new_parse)):
                index_module.parse = parse
                p50, p95 = _run.bench_queries(ix, queries)
                print(f"round {round_ + 1} {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
        index_module.parse = new_parse


if __name__ == "__main__":
    main()
