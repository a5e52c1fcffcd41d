"""Shared fixtures: an app on a fresh database, a real server on loopback, PostgreSQL, Chromium.

In CI (CI=true) a missing browser or database is a failure, not a skip.
"""
import atexit
import datetime
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
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
    _pushed_contexts.append(context)  # popped, and the app's background jobs stopped, after the test
    # A request reuses a pushed app context of its app, and with it ``g`` (the signed-in user, the
    # API token's user, the locale): start each test request with an empty ``g``, as in production.
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: g.__dict__.clear())
    return app


@pytest.fixture(autouse=True)
def _pop_app_contexts():
    yield
    from portal.core import background
    while _pushed_contexts:
        context = _pushed_contexts.pop()
        background.stop(context.app)
        context.pop()


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


def demo_into(app):
    """Load the demo county into ``app``'s SQLite database (bound and connected) as a copy of the
    session's template, with the passphrase that opens its audit key and its search index."""
    from portal.core.db import database
    template, _tokens = _demo_template(())
    database.connect(reuse_if_open=True)
    with sqlite3.connect(next(template.glob("*.db"))) as source:
        source.backup(database.connection())
    Path(app.config["AUDIT_KEY_PASSPHRASE_FILE"]).write_bytes(_passphrase_file(template).read_bytes())
    index = Path(app.config["INDEX_DIR"])
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(template / "index", index)


def load_demo_for(app):
    """The demo county in ``app``'s database: a copy of the template on SQLite, loaded on PostgreSQL."""
    from portal.core.db import is_postgres
    if is_postgres():
        from portal.demo import load_demo
        load_demo()
    else:
        demo_into(app)


@pytest.fixture
def demo(app, db):
    demo_into(app)
    return db


QUIET_JOBS = {"PORTAL_APPEAL_SWEEP_SECONDS": "0", "FOLLOWUP_ESCALATE_SECONDS": "0", "PORTAL_REPORTS_SWEEP_SECONDS": "0"}
RUNTIME_ONLY = {"PORTAL_PROXIES", "PORTAL_LOGIN_MAX_FAILURES", "PORTAL_ALLOWED_ORIGINS", "SOCKETIO_MESSAGE_QUEUE",
                "PORTAL_PAGE_CACHE_SECONDS"}
_demo_templates = {}  # (China's date, the environment's overrides) -> an instance with the demo loaded
_TEMPLATE_ROOT = Path(tempfile.mkdtemp(prefix="portal-demo-templates-"))
atexit.register(shutil.rmtree, _TEMPLATE_ROOT, True)


def _passphrase_file(instance):
    return instance.parent / (instance.name + ".audit-passphrase")


def _demo_template(overrides):
    """An instance folder (and its passphrase file beside it) holding the loaded demo county, built
    once per session and environment: loading the demo costs a server start 15 s or more, copying
    it a fraction of a second. The template is made the way a test server is, by ``run.py``."""
    key = (datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date(), overrides)
    if key not in _demo_templates:
        instance = _TEMPLATE_ROOT / f"t{len(_demo_templates)}" / "instance"
        server = LiveServer(instance, env=dict(overrides), template=False).start()
        try:
            deadline = time.time() + 120
            while requests.get(server.url + "/readyz", timeout=10).status_code != 200 and time.time() < deadline:
                time.sleep(0.2)  # the search index caught up with the demo
        finally:
            server.stop()
        done = subprocess.run([sys.executable, "-c", _TOKENS_SCRIPT, str(instance)], cwd=str(ROOT), env=server.env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        for db in instance.glob("*.db"):
            with sqlite3.connect(db) as conn:  # one self-contained file to copy
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _demo_templates[key] = instance, json.loads(done.stdout.strip().splitlines()[-1])
    return _demo_templates[key]


# A bearer token for every demo account, made once in the template: each copy accepts them, and a
# test asking for one is spared a ``flask create-token`` process (a second or more of start-up).
_TOKENS_SCRIPT = """
import json, sys
from portal import create_app
from portal.accounts.models import User
from portal.accounts.services import create_token
from portal.core.db import connection
app = create_app(instance=sys.argv[1])
with app.app_context(), connection():
    print(json.dumps({u.username: create_token(u, "tests") for u in User.select()}))
"""


class LiveServer:
    """``python run.py`` in a subprocess on a free loopback port.

    With the demo on the embedded database, a new instance starts as a copy of the session's
    demo template (``template=False`` to watch ``run.py`` load the demo itself)."""

    def __init__(self, instance, env=None, demo=True, template=True):
        self.instance = Path(instance)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The periodic jobs (sweeps, escalations) stay off: a test that counts what was written must
        # not see a job's writes; tests run them through their commands.
        self.env = dict(os.environ, PYTHONUNBUFFERED="1", **QUIET_JOBS)
        self.env.update(env or {})
        # what the demo template depends on: the overrides, less those the served requests alone read
        self.overrides = tuple(sorted((k, v) for k, v in (env or {}).items() if k not in RUNTIME_ONLY))
        self.demo = demo
        self.template = template
        self.template_tokens = {}
        self.proc = None
        self.log_path = self.instance.parent / f"server-{self.port}.log"

    def _from_template(self):
        if not (self.demo and self.template) or self.instance.exists() or "DATABASE_URL" in self.env \
                or "AUDIT_KEY_PASSPHRASE_FILE" in self.env or "AUDIT_KEY_PASSPHRASE" in self.env:
            return
        template, self.template_tokens = _demo_template(self.overrides)
        shutil.copytree(template, self.instance)
        shutil.copy2(_passphrase_file(template), _passphrase_file(self.instance))

    def start(self, timeout=120):
        self.instance.parent.mkdir(parents=True, exist_ok=True)
        self._from_template()
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
        if username in self.template_tokens:
            return self.template_tokens[username]
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


def http_login(base_url, username, password=None):
    """A requests session signed in through the login form (CSRF token and all), as a browser would."""
    import re
    from portal.demo import DEMO_PASSWORD
    session = requests.Session()
    form = session.get(f"{base_url}/login", timeout=60).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    r = session.post(f"{base_url}/login", data={"csrf_token": token, "username": username,
                                                "password": password or DEMO_PASSWORD},
                     allow_redirects=False, timeout=60)
    assert r.status_code == 302, r.text[:500]
    return session
