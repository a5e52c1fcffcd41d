"""Public pages under wrk on the production server, against a bare route on the same server.

    python bench/load/pages.py [--duration 30] [--connections 100] [--cache-off]

Starts ``bench/load/serve.py`` (run.py + ``/bench/bare``) on a fresh demo instance,
runs wrk on the bare route, home, a village page, a record page and a search,
and prints req/s and p99 for each with the ratio to the bare route. The anonymous page
cache (``PORTAL_PAGE_CACHE_SECONDS``, portal/core/page_cache.py) is on, as served;
``--cache-off`` first runs the same pages on a second server with it off (every page
rendered on every request), the baseline in the same run.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(instance, port, env=None):
    log = open(instance.parent / f"server-{port}.log", "ab")
    proc = subprocess.Popen([sys.executable, str(HERE / "serve.py"), "--port", str(port), "--instance", str(instance)],
                            cwd=str(ROOT), env=dict(os.environ, **(env or {})), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # the demo county loads first: minutes on PostgreSQL or a busy machine
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if requests.get(url + "/readyz", timeout=2).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not become ready")


def wrk(url, duration, connections):
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, float(p99.group(1)) * scale, int(errors.group(1)) if errors else 0


def settle(url, paths, seconds=120):
    """Wait until the fresh server's start-up work (search catch-up, the dashboard's first build) is done
    and the pages are kept: each commit empties the page cache, and the steady state is what is timed."""
    kept, deadline = {}, time.monotonic() + seconds
    for path in paths:
        while True:
            first = requests.get(url + path, timeout=10)
            second = requests.get(url + path, timeout=10)
            if second.headers.get("X-Page-Cache") == "hit":
                kept[path] = True
                break
            if first.headers.get("X-Page-Cache") is None or time.monotonic() > deadline:
                kept[path] = False  # never kept (a form's token, a cookie), or the server never went quiet
                break
            time.sleep(0.5)
    return kept


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--cache-off", action="store_true", help="first the same pages with the page cache off")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (Debian package wrk)")
    if args.cache_off:
        measure(args, "page cache off", {"PORTAL_PAGE_CACHE_SECONDS": "0"})
    measure(args, "page cache on (as served)", {})


def measure(args, label, env):
    tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    proc, url = start_server(tmp / "instance", free_port(), env)
    try:
        listed = requests.get(url + "/api/v1/publications", timeout=10).json()
        rows = next(v for v in listed.values() if isinstance(v, list))
        record = "/" + rows[0]["url"].split("/", 3)[-1] if rows[0]["url"].startswith("http") else rows[0]["url"]
        village = "/v/350528100200"
        pages = [("bare Flask route", "/bench/bare"), ("home", "/"), ("village", village),
                 ("record", record), ("search", "/search?q=" + quote("公示"))]
        for _, path in pages:
            status = requests.get(url + path, timeout=10).status_code
            assert status == 200, f"{path}: {status}"
        kept = settle(url, [path for _, path in pages[1:]]) if not env else {}
        print(f"wrk -c {args.connections} -d {args.duration}s, gevent server, one process, {os.cpu_count()} cores, "
              f"{label}, load {os.getloadavg()[0]:.1f}")
        print(f"{'page':18} {'path':34} {'req/s':>8} {'p99 ms':>8} {'vs bare':>8} {'errors':>6}")
        bare = None
        for name, path in pages:
            rps, p99, errors = wrk(url + path, args.duration, args.connections)
            bare = bare or rps
            note = {True: "  (kept)", False: "  (never kept: a form or a cookie)"}.get(kept.get(path), "")
            print(f"{name:18} {path[:34]:34} {rps:8.0f} {p99:8.1f} {rps / bare:8.2f} {errors:6d}{note}", flush=True)
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
