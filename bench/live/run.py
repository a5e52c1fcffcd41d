"""Live broadcast benchmark: the portal against a bare python-socketio server.

One meeting, N viewers (asyncio python-socketio clients over websocket, spread
over several processes), a host posting R items/s for D seconds. Reports
delivery latency p50/p99, items lost / out of order / duplicated, server
memory per viewer (RSS growth from idle to all joined, divided by N), and
delivered items per second, for the portal (SQLite, every item committed and
audited) and for the bare server on the same machine with the same clients.

Usage: ``python bench/live/run.py [--viewers 1000] [--rate 5] [--seconds 60] [--procs 4]``

``--cluster`` instead runs two portal processes on PostgreSQL (``--postgres``, a fresh schema)
and Redis (``--redis``) as docs/deploy.md sets them up: the host posts on the first, the
viewers are split between both, and each item must reach every viewer through Redis.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from viewers import stamp  # noqa: E402
PY = sys.executable


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_http(url, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def _portal_process(workdir, name, env, demo=True):
    port = free_port()
    instance = workdir / name
    log = open(workdir / f"{name}.log", "ab")
    proc = subprocess.Popen([PY, str(ROOT / "run.py"), "--port", str(port), "--instance", str(instance)]
                            + ([] if demo else ["--no-demo"]), cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT,
                            env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/api/v1/units", timeout=600)  # the demo county loads first (minutes on PostgreSQL)
    except RuntimeError:
        proc.terminate()  # a portal that never answered is not left running
        raise
    return proc, url, instance


def _start_meeting(url, instance, env):
    env = dict(env, PORTAL_INSTANCE=str(instance))
    out = subprocess.run([PY, "-m", "flask", "--app", "portal", "create-token", "clerk_houxi"], cwd=str(ROOT),
                         env=env, capture_output=True, text=True, check=True)
    token = out.stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    r = requests.post(url + "/api/v1/meetings", headers=headers, timeout=30, json={
        "village": "350528100200", "title": "基准测试议事会", "kind": "council",
        "starts_at": "2026-06-01T09:30", "place": "村委会", "agenda": [{"step": "collect", "title": "基准"}]})
    meeting = r.json()["id"]
    requests.post(f"{url}/api/v1/meetings/{meeting}/start", headers=headers, timeout=30).raise_for_status()
    return token, meeting


def start_portal(workdir):
    env = dict(os.environ)
    proc, url, instance = _portal_process(workdir, "instance", env)
    token, meeting = _start_meeting(url, instance, env)
    return [proc], [url], token, meeting


def start_cluster(workdir, postgres, redis_url):
    """Two portal processes sharing one PostgreSQL schema and a Redis message queue."""
    import psycopg2
    schema = "bench_live_" + uuid.uuid4().hex[:8]
    conn = psycopg2.connect(postgres)
    conn.autocommit = True
    conn.cursor().execute(f'CREATE SCHEMA "{schema}"')
    conn.close()
    env = dict(os.environ, DATABASE_URL=f"{postgres}?schema={schema}", SOCKETIO_MESSAGE_QUEUE=redis_url,
               SECRET_KEY="b" * 64, AUDIT_KEY_PASSPHRASE="bench-live-cluster")
    first, url1, instance1 = _portal_process(workdir, "p1", env)
    second, url2, _ = _portal_process(workdir, "p2", env, demo=False)
    token, meeting = _start_meeting(url1, instance1, env)
    return [first, second], [url1, url2], token, meeting, schema


def drop_schema(postgres, schema):
    import psycopg2
    conn = psycopg2.connect(postgres)
    conn.autocommit = True
    conn.cursor().execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    conn.close()


def start_bare(workdir):
    port = free_port()
    log = open(workdir / "bare.log", "ab")
    proc = subprocess.Popen([PY, str(HERE / "bare_server.py"), str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/socket.io/?EIO=4&transport=polling")
    return [proc], [url], None, 1


def run_one(name, server, args, workdir):
    procs, urls, token, meeting = server
    time.sleep(2)
    idle = sum(rss_kib(p.pid) for p in procs)
    expected = args.rate * args.seconds
    per = [args.viewers // args.procs + (1 if i < args.viewers % args.procs else 0) for i in range(args.procs)]
    viewers = []
    for i, count in enumerate(per):
        out = workdir / f"{name}-{i}.json"
        viewers.append((subprocess.Popen([PY, str(HERE / "viewers.py"), urls[i % len(urls)], str(meeting), str(count),
                                          str(expected), str(args.seconds + 120), str(out)],
                                         stdout=subprocess.PIPE, stderr=open(workdir / f"{name}-{i}.err", "ab"),
                                         text=True), out))
    t0 = time.time()
    for p, _ in viewers:
        line = p.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"viewer process failed: {line!r}")
    connect_s = time.time() - t0
    time.sleep(3)
    joined = sum(rss_kib(p.pid) for p in procs)
    host = socketio.Client()
    host.connect(urls[0], namespaces=["/live"], auth={"token": token} if token else None, transports=["websocket"])
    acks, ack_s = [], []
    first_send = time.time()
    for i in range(expected):
        target = first_send + i / args.rate
        time.sleep(max(0, target - time.time()))
        sent = time.time()
        host.emit("post", {"meeting": meeting, "kind": "transcript",
                           "data": {"text": f"bench {i} {stamp(sent)}"}}, namespace="/live",
                  callback=lambda ack, sent=sent: (acks.append(ack), ack_s.append(time.time() - sent)))
    for p, _ in viewers:
        p.wait()
    host.disconnect()
    results = [json.loads(out.read_text()) for _, out in viewers]
    latencies = sorted(x for r in results for x in r["latencies"])
    received = sum(r["received"] for r in results)
    last = max(r["last_receive"] for r in results)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    return {
        "server": name, "processes": len(procs), "viewers": args.viewers, "items_posted": expected,
        "acks_ok": sum(1 for a in acks if a.get("ok")),
        "ack_p50_ms": round(statistics.median(ack_s) * 1000, 1) if ack_s else None,
        "ack_max_ms": round(max(ack_s) * 1000, 1) if ack_s else None,
        "delivered": received, "lost": expected * args.viewers - received,
        "out_of_order": sum(r["bad_order"] for r in results), "duplicates": sum(r["dups"] for r in results),
        "disconnects": sum(r.get("disconnects", 0) for r in results),  # dropped by the server (not the end's)
        "rejoins": sum(r.get("rejoins", 0) for r in results),
        "viewers_complete": sum(r.get("complete", 0) for r in results),
        "p50_ms": round(q[49] * 1000, 1), "p99_ms": round(q[98] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        "delivered_per_s": round(received / max(1e-9, last - first_send), 1),
        "connect_s": round(connect_s, 1),
        "rss_idle_mib": round(idle / 1024, 1), "rss_joined_mib": round(joined / 1024, 1),
        "kib_per_viewer": round((joined - idle) / args.viewers, 1),
    }


def stop(procs):
    """SIGTERM, and SIGKILL after 30 s: a server still draining a backlog is not left running."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def raise_open_files():
    """3,000 viewers are 3,000 sockets in the server and as many in the viewer processes: lift the soft
    limit on open files to the hard one (children inherit it)."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--only", choices=["portal", "bare"], help="run one server only (no ratio)")
    parser.add_argument("--cluster", action="store_true", help="two portal processes on PostgreSQL + Redis")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    nofile = raise_open_files()
    if nofile < 2 * args.viewers + 1000:
        print(f"warning: ulimit -n is {nofile}; {args.viewers} viewers need about {2 * args.viewers + 1000}",
              file=sys.stderr)
    workdir = Path(tempfile.mkdtemp(prefix="bench-live-"))
    rows = []
    if args.cluster:
        *server, schema = start_cluster(workdir, args.postgres, args.redis)
        try:
            print(json.dumps(run_one("portal-cluster", server, args, workdir), ensure_ascii=False), flush=True)
        finally:
            stop(server[0])
            drop_schema(args.postgres, schema)
        return
    for name, starter in (("portal", start_portal), ("bare", start_bare)):
        if args.only and name != args.only:
            continue
        server = starter(workdir)
        try:
            rows.append(run_one(name, server, args, workdir))
        finally:
            stop(server[0])
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    if len(rows) < 2:
        return
    ratio = rows[0]["delivered_per_s"] / rows[1]["delivered_per_s"]
    print(json.dumps({"portal_vs_bare_delivered_per_s": round(ratio, 3), "workdir": str(workdir)}))


if __name__ == "__main__":
    main()
