"""``python run.py`` plus one bare route (``/bench/bare``, a fixed page): the baseline on the same server.

Benchmarks compare the portal's pages with this route in the same process and
run, so the figures say what the portal costs over the server itself.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import run  # noqa: E402  (monkey-patches first)

import portal  # noqa: E402

FIXED_PAGE = "<!doctype html><html lang=zh-CN><meta charset=utf-8><title>基准</title><p>固定页面</p></html>"
_create_app = portal.create_app


def create_app(*args, **kwargs):
    app = _create_app(*args, **kwargs)
    # rendered on every request, never kept by the page cache: the server's own cost per request
    app.add_url_rule("/bench/bare", "bench_bare", lambda: (FIXED_PAGE, {"Cache-Control": "no-store"}))
    return app


portal.create_app = create_app

if __name__ == "__main__":
    sys.exit(run.main())
