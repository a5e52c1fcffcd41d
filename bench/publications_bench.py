"""Publications benchmark: masking throughput and the draft→approve→publish path.

``PYTHONPATH=. python bench/publications_bench.py [--n 300] [--mask 20000]`` on a
fresh SQLite instance in a temporary folder (demo county loaded first). The feed is timed
twice: as served (bodies memoised by ``render_markdown``) and cold (memo cleared before each
request, as a fresh process or 50 new bodies would pay).
"""
import argparse
import random
import tempfile
import time
from pathlib import Path


def body(rng):
    parts = ["本月村级财务收支公开如下。"] * 5 + [f"联系人电话1390595{rng.randint(1000, 9999)}。",
                                               "凭证号20260301000123，金额38.6万元。"]
    rng.shuffle(parts)
    return "\n\n".join(parts * 4)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--mask", type=int, default=20000)
    args = parser.parse_args()
    from portal import create_app
    from portal.accounts.models import User
    from portal.core.db import database
    from portal.core.markdown import render_markdown
    from portal.demo import load_demo
    from portal.publications import services
    from portal.core.personal_data import mask_text
    from portal.units.models import Unit
    rng = random.Random(7)
    texts = [body(rng) for _ in range(200)]
    start = time.perf_counter()
    for i in range(args.mask):
        mask_text(texts[i % len(texts)])
    elapsed = time.perf_counter() - start
    size = sum(len(t) for t in texts) / len(texts)
    print(f"masking: {args.mask} bodies of ~{size:.0f} chars in {elapsed:.2f}s = {args.mask / elapsed:.0f}/s")

    # the page cache off: the list and the feed are timed as rendered (a kept feed answers in ~2 ms)
    app = create_app({"INSTANCE_DIR": str(Path(tempfile.mkdtemp()) / "instance"), "SEARCH_SYNC": False,
                      "PAGE_CACHE_SECONDS": 0})
    app.app_context().push()  # services read the app's registry, as in a request
    database.connect(reuse_if_open=True)
    load_demo()
    village = Unit.get(Unit.code == "350528100200")
    clerk = User.get(User.username == "clerk_houxi")
    supervisor = User.get(User.username == "supervisor_houxi")
    start = time.perf_counter()
    for i in range(args.n):
        pub = services.create_draft(clerk, village, {"title": f"基准测试公开{i}", "category": "village",
                                                     "body": texts[i % len(texts)]})
        services.approve(supervisor, pub)
        services.publish(clerk, pub)
    elapsed = time.perf_counter() - start
    print(f"lifecycle: {args.n} draft+approve+publish in {elapsed:.2f}s = {elapsed / args.n * 1000:.1f} ms each")
    checker = app.extensions.get("redflags_checker")  # the red-flag rules re-check in a worker, after commit
    if checker is not None and not checker.sync:
        start = time.perf_counter()
        checker.settle()
        print(f"lifecycle, red flags: the rules' worker settled {time.perf_counter() - start:.2f}s after the "
              f"last publish")
    client = app.test_client()
    start = time.perf_counter()
    for _ in range(50):
        assert client.get("/api/v1/publications?village=350528100200&page=3").status_code == 200
    print(f"list API: {(time.perf_counter() - start) / 50 * 1000:.1f} ms per page of 20")
    start = time.perf_counter()
    for _ in range(20):
        assert client.get("/feeds/350528100200.atom").status_code == 200
    print(f"feed: {(time.perf_counter() - start) / 20 * 1000:.1f} ms per 50-entry Atom feed")
    elapsed = 0.0
    for _ in range(20):  # what a fresh process or 50 new bodies pay: every body rendered again
        render_markdown.cache_clear()
        start = time.perf_counter()
        assert client.get("/feeds/350528100200.atom").status_code == 200
        elapsed += time.perf_counter() - start
    print(f"feed, cold: {elapsed / 20 * 1000:.1f} ms per 50-entry Atom feed with the rendering memo cleared")
    database.close()


if __name__ == "__main__":
    main()
