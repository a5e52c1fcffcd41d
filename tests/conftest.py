"""Shared fixtures: an app on a fresh database, a real server on loopback, PostgreSQL, Chromium.

In CI (CI=true) a missing browser or database is a failure, not a skip.
"""
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from flask import g
import requests

os.environ.setdefault("PORTAL_PASSWORD_HASH", "cheapest")  # many demo accounts; servers inherit it
ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"
PG_BASE_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def missing(what):
    """Skip locally, fail in CI: CI must exercise every real part."""
    if IN_CI:
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} not available")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_available():
    try:
        import psycopg2
        psycopg2.connect(PG_BASE_URL, connect_timeout=3).close()
        return True
    except Exception:
        return False


@pytest.fixture
def pg_url():
    """A PostgreSQL URL with a schema of its own, dropped afterwards."""
    if not pg_available():
        missing("PostgreSQL at 127.0.0.1:5432")
    import psycopg2
    schema = "t_" + uuid.uuid4().hex[:12]
    yield f"{PG_BASE_URL}?schema={schema}"
    conn = psycopg2.connect(PG_BASE_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    conn.close()


_pushed_contexts = []


def make_app(tmp_path, database_url=None, **extra):
    """A test app with its app context pushed, so the test can call services directly as a
    request would (they read the app's registry); the context is popped after the test."""
    from portal import create_app
    config = {"TESTING": True, "INSTANCE_DIR": str(tmp_path / "instance"), "WTF_CSRF_ENABLED": False}
    if database_url:
        config["DATABASE_URL"] = database_url
    config.update(extra)
    app = create_app(config)
    context = app.app_context()
    context.push()
    _pushed_contexts.append(context)
    # A request reuses a pushed app context of its app, and with it ``g`` (the signed-in user, the
    # API token's user, the locale): start each test request with an empty ``g``, as in production.
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: g.__dict__.clear())
    return app


@pytest.fixture(autouse=True)
def _pop_app_contexts():
    yield
    while _pushed_contexts:
        _pushed_contexts.pop().pop()


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """The bound database, connected for a test that calls services directly."""
    from portal.core.db import database
    database.connect(reuse_if_open=True)
    yield database
    if not database.is_closed():
        database.close()


@pytest.fixture
def demo(db):
    from portal.demo import load_demo
    load_demo()
    return db


class LiveServer:
    """``python run.py`` in a subprocess on a free loopback port."""

    def __init__(self, instance, env=None, demo=True):
        self.instance = Path(instance)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
        self.demo = demo
        self.proc = None
        self.log_path = self.instance.parent / f"server-{self.port}.log"

    def start(self, timeout=60):
        self.instance.parent.mkdir(parents=True, exist_ok=True)
        args = [sys.executable, str(ROOT / "run.py"), "--port", str(self.port), "--instance", str(self.instance)]
        if not self.demo:
            args.append("--no-demo")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, cwd=str(ROOT), env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/api/v1/units", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-3000:]}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()

    def cli(self, *args):
        """Run a ``flask --app portal`` command against this server's instance."""
        env = dict(self.env, PORTAL_INSTANCE=str(self.instance))
        return subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], cwd=str(ROOT),
                              env=env, capture_output=True, text=True, timeout=120)

    def token(self, username):
        result = self.cli("create-token", username)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """One real server with the demo county for the whole session (read-mostly tests)."""
    server = LiveServer(tmp_path_factory.mktemp("live") / "instance").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def module_server(tmp_path_factory):
    """One real server with the demo county for a module's tests; each test makes its own records."""
    server = LiveServer(tmp_path_factory.mktemp("module") / "instance").start()
    yield server
    server.stop()


@pytest.fixture
def fresh_server(tmp_path):
    """A real server of the test's own, for tests that change state."""
    server = LiveServer(tmp_path / "instance").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        missing("Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A page in a phone-sized context (375×812), Chinese locale."""
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN",
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10000)
    yield page
    context.close()


def browser_login(page, base_url, username, password=None):
    from portal.demo import DEMO_PASSWORD
    page.goto(base_url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
