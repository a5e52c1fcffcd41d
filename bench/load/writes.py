"""Publishing over HTTP from 8 clients (draft → approve → publish) on SQLite and on PostgreSQL.

    python bench/load/writes.py [--seconds 30] [--clients 8] [--postgres URL]

Prints publishes/s, p50/p99 of one whole publish (three requests) and errors.
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from bench.load.pages import free_port, start_server  # noqa: E402

HOUXI = "350528100200"


def token(instance, env, username):
    import os
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "create-token", username],
                          cwd=str(HERE.parents[1]), env=dict(os.environ, PORTAL_INSTANCE=str(instance), **env),
                          capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def run(label, seconds, clients, env):
    tmp = Path(tempfile.mkdtemp(prefix="bench-writes-"))
    instance = tmp / "instance"
    proc, url = start_server(instance, free_port(), env)
    clerk, sup = token(instance, env, "clerk_houxi"), token(instance, env, "supervisor_houxi")
    times, errors, stop = [], [], time.monotonic() + seconds

    def client(n):
        s = requests.Session()
        auth = lambda t: {"Authorization": f"Bearer {t}"}  # noqa: E731
        i = 0
        while time.monotonic() < stop:
            i += 1
            started = time.monotonic()
            try:
                r = s.post(url + "/api/v1/publications", headers=auth(clerk), timeout=30,
                           json={"village": HOUXI, "category": "village", "title": f"基准{n}-{i}", "body": "内容"})
                r.raise_for_status()
                pub = r.json()["id"]
                s.post(f"{url}/api/v1/publications/{pub}/approve", headers=auth(sup), timeout=30).raise_for_status()
                s.post(f"{url}/api/v1/publications/{pub}/publish", headers=auth(clerk), timeout=30).raise_for_status()
                times.append(time.monotonic() - started)
            except requests.RequestException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    proc.terminate()
    proc.wait(10)
    times.sort()
    p99 = times[int(len(times) * 0.99) - 1] * 1000 if times else 0
    print(f"{label:10} {len(times) / seconds:8.1f} publishes/s  p50 {statistics.median(times) * 1000:6.1f} ms"
          f"  p99 {p99:6.1f} ms  errors {len(errors)}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"{args.clients} clients, {args.seconds} s, one gevent process; a publish = 3 requests")
    run("SQLite", args.seconds, args.clients, {})
    if args.postgres:
        schema = "bench_" + uuid.uuid4().hex[:8]
        try:
            run("PostgreSQL", args.seconds, args.clients, {"DATABASE_URL": f"{args.postgres}?schema={schema}"})
        finally:
            import psycopg2
            conn = psycopg2.connect(args.postgres)
            conn.autocommit = True
            conn.cursor().execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.close()


if __name__ == "__main__":
    main()
