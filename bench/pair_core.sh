#!/usr/bin/env bash
# Before → after the record core in one session: each tree's own publications and audit benchmarks, interleaved.
#   git worktree add /tmp/before bd248c6 && cp audit/_scanloop*.so /tmp/before/audit/
#   flock /tmp/bench.lock bench/pair_core.sh /tmp/before .
# (bench/live/run.py is compared the same way: run it in each tree.)
set -u
BEFORE=$(cd "${1:?before tree}" && pwd); AFTER=$(cd "${2:-.}" && pwd)
PY=${PYTHON:-$AFTER/.venv/bin/python}
run() { local tree=$1; shift; echo "== $(date -u +%H:%M:%S) $tree: $* (load $(cut -d' ' -f1-3 /proc/loadavg))"
        (cd "$tree" && PYTHONPATH=$tree timeout 900 "$PY" "$@" 2>&1 \
          | grep -E "^(masking|lifecycle|list API|feed|SQLite|PostgreSQL|verify [0-9]+: verify 2|inclusion|HTTP)"); }
for round in 1 2; do
  run "$BEFORE" bench/publications_bench.py --n 200 --mask 5000
  run "$AFTER" bench/publications_bench.py --n 200 --mask 5000
done
run "$BEFORE" bench/audit/run.py --entries 200000 --small 20000 --repeat 2 --workdir /tmp/bench-pair-audit-before
run "$AFTER" bench/audit/run.py --entries 200000 --small 20000 --repeat 2 --workdir /tmp/bench-pair-audit-after
