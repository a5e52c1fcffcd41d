"""Reports benchmark: filing with a 5 MB attachment, opening after unlock, the inbox with 10,000 reports.

``PYTHONPATH=. python bench/reports/run.py [--reports 10000] [--data DIR [--generate-only]]`` on a
fresh SQLite instance in a temporary folder (with ``--data``: a copy of the demo county loaded there
once, outside the measuring lock), at the Argon2id costs the portal ships with
(``portal.reports.crypto``; do not set PORTAL_PASSWORD_HASH=cheapest). Server
time is measured around the request in the app (Flask test client, no network; the client
builds the multipart body before the clock starts).
Each figure is printed next to its baseline measured in the same run: the bare
receipt Argon2id, filing without an attachment, the inbox with the demo's few reports.
"""
import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path


def pdf(size):
    return b"%PDF-1.4\n" + os.urandom(size - 20) + b"\n%%EOF\n"


def timed(fn, n):
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def load():
    return open("/proc/loadavg").read().split()[0]


def p95(values):
    return sorted(values)[int(len(values) * 0.95) - 1]


def fill(n, units, inspector):
    """``n`` reports of random ciphertext (the list reads metadata only), wrapped for ``inspector``."""
    from portal.core.db import transaction
    from portal.reports.models import Report, ReportKeyWrap, hour_of
    rng = random.Random(16)
    now = hour_of()
    import datetime
    for start in range(0, n, 500):
        rows = [{"unit": rng.choice(units), "status": rng.choice(["new", "handling", "closed"]),
                 "lookup_id": os.urandom(32), "public_key": os.urandom(32), "identity_public_key": os.urandom(32),
                 "content": os.urandom(600), "content_sha256": os.urandom(32).hex(),
                 "filed_hour": now - datetime.timedelta(hours=rng.randint(0, 20000))}
                for _ in range(min(500, n - start))]
        with transaction():
            Report.insert_many(rows).execute()
    with transaction():
        ids = [r.id for r in Report.select(Report.id)]
        ReportKeyWrap.insert_many([{"report": i, "holder": inspector, "kind": "report", "blob": os.urandom(80)}
                                   for i in ids], fields=None).on_conflict_ignore().execute()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=10000)
    parser.add_argument("--data", default=None, help="a cached instance with the demo loaded (made there when missing)")
    parser.add_argument("--generate-only", action="store_true", help="load the demo into --data and stop")
    args = parser.parse_args()
    os.environ.pop("PORTAL_PASSWORD_HASH", None)
    import shutil
    data = Path(args.data) if args.data else None
    if data is not None and not (data / "GENERATED").exists():
        from portal import create_app
        from portal.core.db import database
        from portal.demo import load_demo
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        made = create_app({"INSTANCE_DIR": str(data / "instance"), "SEARCH_SYNC": False, "TESTING": True})
        with made.app_context():
            database.connect(reuse_if_open=True)
            load_demo()
            database.close()
        (data / "GENERATED").write_text("the demo county\n")
    if args.generate_only:
        return
    from portal import create_app
    from portal.accounts.models import User
    from portal.accounts.services import create_token
    from portal.core.db import database
    from portal.demo import load_demo
    from portal.reports import crypto, filing, inspection, keys
    from portal.reports.demo import DEMO_PASSPHRASE
    from portal.units.models import Unit

    instance = Path(tempfile.mkdtemp()) / "instance"
    if data is not None:  # a fresh copy of the cached demo: every run starts from the same county
        shutil.copytree(data / "instance", instance)
        passphrase = data / "instance.audit-passphrase"
        if passphrase.exists():
            shutil.copy(passphrase, instance.parent / passphrase.name)
    app = create_app({"INSTANCE_DIR": str(instance), "SEARCH_SYNC": False,
                      "WTF_CSRF_ENABLED": False, "TESTING": True})
    app.app_context().push()
    database.connect(reuse_if_open=True)
    if data is None:
        load_demo()
    client = app.test_client()
    served = []  # server time of each request: from the WSGI call to the last byte of the answer
    inner = app.wsgi_app

    def timed_app(environ, start_response):
        start = time.perf_counter()
        try:
            return list(inner(environ, start_response))
        finally:
            served.append((time.perf_counter() - start) * 1000)
    app.wsgi_app = timed_app
    conf = filing.settings()
    print(f"receipt KDF {conf.receipt_kdf}; inspector KDF {crypto.INSPECTOR_KDF}; load {load()}")
    bare = timed(lambda: crypto.stretch(b"1234567812345678", bytes(conf.site_salt), crypto.RECEIPT_KDF), 3)
    print(f"baseline  receipt Argon2id alone: median {statistics.median(bare):.0f} ms")

    def serve(data, n):
        """Server times (ms) of ``n`` filings; the test client builds each body before the clock starts."""
        out = []
        for _ in range(n):
            response = client.post("/api/v1/reports", data=data(), content_type="multipart/form-data")
            assert response.status_code == 201, response.get_data(as_text=True)
            out.append(served[-1])
        return out
    plain = serve(lambda: {"unit": "350528100200", "text": "基准测试举报"}, 3)
    print(f"baseline  filing, no attachment: median {statistics.median(plain):.0f} ms, max {max(plain):.0f} ms")
    big = pdf(5 * 1024 * 1024)
    from io import BytesIO

    def with_file():
        return {"unit": "350528100200", "text": "附5MB证据", "attachments": (BytesIO(big), "evidence.pdf")}
    heavy = serve(with_file, 5)
    print(f"filing with a 5 MB attachment, server time: median {statistics.median(heavy):.0f} ms, "
          f"max {max(heavy):.0f} ms (target ≤ 1500 ms; load {load()})")
    # Where it goes, each part timed alone on the same 5 MB (median of 3):
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request
    from portal.core.files import check_file
    from portal.reports.filing import seal_pending
    environ = EnvironBuilder(path="/api/v1/reports", method="POST", data=with_file()).get_environ()
    body = environ["wsgi.input"].read()

    def parse():
        env = dict(environ, **{"wsgi.input": BytesIO(body)})
        assert Request(env).files["attachments"].read() == big
    parts = {"multipart parsing": parse,
             "receipt Argon2id": lambda: crypto.stretch(b"1234567812345678", bytes(conf.site_salt), crypto.RECEIPT_KDF),
             "attachment check (type from the bytes)": lambda: check_file("evidence.pdf", big, limit=10 << 20),
             "sealing (X25519 + ChaCha20-Poly1305)": lambda: crypto.seal(os.urandom(32), big, "attachment|0"),
             "SHA-256 of 5 MB": lambda: crypto.sha256_hex(big)}
    for name, fn in parts.items():
        print(f"  part: {name}: median {statistics.median(timed(fn, 3)):.0f} ms")
    start = time.perf_counter()
    sealed = seal_pending(everything=True)
    print(f"  part: audit entries (sealed in the hourly batch, not in the request): {sealed} in "
          f"{(time.perf_counter() - start) * 1000:.0f} ms")
    real_stretch = filing.stretch
    filing.stretch = lambda secret, salt, params: real_stretch(secret, salt, crypto.CHEAP_KDF)
    rest = serve(with_file, 3)
    filing.stretch = real_stretch
    print(f"  the request without its Argon2id: median {statistics.median(rest):.0f} ms "
          f"(database write = this − the parts above)")

    inspector = User.get(User.username == "inspector_100")
    private = keys.unlock(inspector, DEMO_PASSPHRASE)
    rows, _held, _total = inspection.inbox(inspector)
    target = rows[0].id  # the one with the 5 MB attachment
    opening = timed(lambda: inspection.open_report(inspector, target, private), 20)
    print(f"opening one after unlock (5 MB attachment listed, not decrypted): median "
          f"{statistics.median(opening):.1f} ms, p95 {p95(opening):.1f} ms (target ≤ 300 ms)")
    download = timed(lambda: inspection.attachment(inspector, target, 0, private), 5)
    print(f"decrypting its 5 MB attachment: median {statistics.median(download):.1f} ms")

    county = User.get(User.username == "inspector_county")
    token = {"Authorization": f"Bearer {create_token(county)}"}

    def listing(pages):
        def one():
            page = random.randint(1, pages)
            assert client.get(f"/api/v1/reports?page={page}", headers=token).status_code == 200
        return one
    small = timed(listing(1), 100)
    print(f"baseline  inbox list, {inspection.inbox(county)[2]} reports: p95 {p95(small):.1f} ms")
    start = time.perf_counter()
    fill(args.reports, [u.code for u in Unit.select().where(Unit.level == "village")], county)
    print(f"(generated {args.reports} reports in {time.perf_counter() - start:.1f} s)")
    total = inspection.inbox(county)[2]
    many = timed(listing(total // inspection.PER_PAGE), 200)
    filtered = timed(lambda: client.get("/api/v1/reports?status=new&page=7", headers=token), 100)
    print(f"inbox list, {total} reports, random page of 20: p95 {p95(many):.1f} ms, "
          f"median {statistics.median(many):.1f} ms (target p95 ≤ 100 ms); status=new p95 {p95(filtered):.1f} ms")


if __name__ == "__main__":
    main()
