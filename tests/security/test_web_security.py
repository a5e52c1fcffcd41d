"""Web security against the real server: sign-in redirects, Socket.IO origins,
server-side session revocation, Secure cookies, no password in the cookie,
throttling behind a reverse proxy, owner-only files."""
import base64
import re
import sqlite3
import json
import os
import stat
import zlib

import pytest
import requests
import websocket

from tests.conftest import LiveServer
from tests.security.conftest import csrf, login

# (next value as sent, where the browser must end up: None = the home page)
NEXT_CORPUS = [
    ("/%09/evil.example/", None), ("//evil.example/", None), ("/\\evil.example", None),
    ("/%5Cevil.example", None), ("%2F%2Fevil.example", None), ("https://evil.example/", None),
    ("http:evil.example", None), ("javascript:alert(1)", None), ("/%0A/evil.example", None),
    ("/%0D/evil.example", None), ("%20//evil.example", None), ("/%20/evil.example", None),
    ("///evil.example", None), ("\\\\evil.example", None), ("evil.example", None), ("", None),
    ("/%E3%80%80/evil.example", "/\u3000/evil.example"),  # an ideographic space is a path character
    ("/v/350528100200", "/v/350528100200"), ("/p/1?x=1#top", "/p/1?x=1"),
]


@pytest.mark.parametrize("value,expected", NEXT_CORPUS)
def test_sign_in_redirects_only_to_this_site(server, value, expected):
    _, r = login(server.url, "resident_houxi", next_url=value)
    assert r.status_code == 302, r.text[:300]
    location = r.headers["Location"]
    target = requests.compat.urljoin(server.url + "/login", location)
    assert target.startswith(server.url + "/"), location
    assert requests.compat.urlsplit(target).netloc == requests.compat.urlsplit(server.url).netloc
    if expected is None:  # refused: the resident lands on their own village, as after any sign-in
        assert target == server.url + "/v/350528100200", location
    else:
        assert requests.utils.unquote(target) == server.url + expected.split("#")[0], location


def _ws(server, origin, cookie):
    headers = [f"Cookie: session={cookie}"] + ([f"Origin: {origin}"] if origin else [])
    ws = websocket.create_connection(server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                     header=headers, timeout=10, suppress_origin=True)
    assert ws.recv().startswith("0")  # engine.io open
    ws.send("40/live,")
    answer = ws.recv()
    ws.close()
    return answer


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1.evil.example"])
def test_socketio_refuses_a_foreign_origin(server, origin):
    s, r = login(server.url, "clerk_houxi")
    cookie = s.cookies["session"]
    with pytest.raises(websocket.WebSocketBadStatusException) as err:
        _ws(server, origin, cookie)
    assert err.value.status_code == 400
    # the same cookie from the portal's own page connects
    assert _ws(server, server.url, cookie).startswith("40/live,")
    assert _ws(server, None, cookie).startswith("40/live,")  # not a browser: no Origin, no ambient trust


def test_allowed_origins_are_configurable(tmp_path):
    srv = LiveServer(tmp_path / "instance", env={"PORTAL_ALLOWED_ORIGINS": "https://cunwu.example.gov.cn"},
                     demo=False).start()
    try:
        assert _ws(srv, "https://cunwu.example.gov.cn", "x").startswith("40/live,")
        assert _ws(srv, srv.url, "x").startswith("40/live,")
        with pytest.raises(websocket.WebSocketBadStatusException):
            _ws(srv, "https://evil.example", "x")
    finally:
        srv.stop()


def test_a_copied_cookie_stops_working_after_logout(server):
    s, r = login(server.url, "clerk_houxi")
    assert r.status_code == 302
    copied = s.cookies["session"]
    assert requests.get(server.url + "/v/350528100200/publications/work", cookies={"session": copied},
                        allow_redirects=False).status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', s.get(server.url + "/").text).group(1)
    assert s.post(server.url + "/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 302
    again = requests.get(server.url + "/v/350528100200/publications/work", cookies={"session": copied}, allow_redirects=False)
    assert again.status_code == 302 and "/login" in again.headers["Location"]


def _cookie_payload(cookie):
    """The readable part of a Flask session cookie (signed, not encrypted)."""
    data = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return (zlib.decompress(raw) if cookie.startswith(".") else raw).decode("utf-8", "replace")


def test_initial_password_is_shown_once_never_in_the_cookie(server):
    s, _ = login(server.url, "admin")
    token = csrf(s, server.url + "/admin/users")
    r = s.post(server.url + "/admin/users", allow_redirects=False,
               data={"csrf_token": token, "username": "new_clerk", "display_name": "新文书", "role": "clerk",
                     "unit": "350528100200", "password": ""})
    assert r.status_code == 201, r.text[:500]
    assert "no-store" in r.headers["Cache-Control"]
    password = r.text.split('class="initial-password">')[1].split("<")[0]
    assert len(password) >= 12
    assert password not in _cookie_payload(s.cookies["session"])
    assert password not in s.get(server.url + "/admin/users").text  # once
    assert login(server.url, "new_clerk", password)[1].status_code == 302


def test_secure_cookie_flag_follows_the_https_base_url(tmp_path):
    from tests.conftest import make_app
    app = make_app(tmp_path / "a")
    assert app.config["SESSION_COOKIE_SECURE"] is False
    os.environ["PORTAL_BASE_URL"] = "https://cunwu.example.gov.cn"
    try:
        assert make_app(tmp_path / "b").config["SESSION_COOKIE_SECURE"] is True
        os.environ["PORTAL_SECURE_COOKIES"] = "0"
        assert make_app(tmp_path / "c").config["SESSION_COOKIE_SECURE"] is False
    finally:
        os.environ.pop("PORTAL_BASE_URL", None)
        os.environ.pop("PORTAL_SECURE_COOKIES", None)
    srv = LiveServer(tmp_path / "d" / "instance", env={"PORTAL_BASE_URL": "https://cunwu.example.gov.cn"},
                     demo=False).start()
    try:
        r = requests.get(srv.url + "/login")
        assert "secure" in r.headers["Set-Cookie"].lower()
    finally:
        srv.stop()


def test_throttling_sees_the_client_behind_the_proxy(tmp_path):
    srv = LiveServer(tmp_path / "instance", env={"PORTAL_PROXIES": "1", "PORTAL_LOGIN_MAX_FAILURES": "5"}).start()
    try:
        attacker = {"X-Forwarded-For": "203.0.113.5"}
        for i in range(20):
            _, r = login(srv.url, f"guess{i}", "wrong-password", headers=attacker)
            assert r.status_code == 401
        assert login(srv.url, "guess99", "wrong-password", headers=attacker)[1].status_code == 429
        # a villager behind the same proxy still signs in
        _, r = login(srv.url, "resident_houxi", headers={"X-Forwarded-For": "198.51.100.7"})
        assert r.status_code == 302
    finally:
        srv.stop()


def test_instance_folder_and_database_are_owner_only(server):
    mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)  # noqa: E731
    assert mode(server.instance) == 0o700
    db = server.instance / "portal.db"
    assert mode(db) == 0o600
    reader = sqlite3.connect(db)  # keeps -wal and -shm in place while they are looked at
    try:
        reader.execute("SELECT count(*) FROM user").fetchone()
        requests.get(server.url + "/api/v1/units")
        for path in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            assert path.exists() and mode(path) == 0o600, path
    finally:
        reader.close()
    requests.get(server.url + "/api/v1/audit/checkpoint")
    assert not (server.instance / "audit_key.secret").exists()
    secret = server.instance.parent / "instance.audit-passphrase"
    assert mode(secret) == 0o600


def test_passphrase_file_inside_the_instance_is_refused(tmp_path):
    from portal.config import InstanceError
    from tests.conftest import make_app
    os.environ["AUDIT_KEY_PASSPHRASE_FILE"] = str(tmp_path / "instance" / "pass")
    try:
        with pytest.raises(InstanceError):
            make_app(tmp_path)
    finally:
        os.environ.pop("AUDIT_KEY_PASSPHRASE_FILE")


def test_an_older_instance_keeps_its_key(tmp_path):
    """The passphrase of an instance from before is moved out, and the key still opens."""
    from tests.conftest import make_app
    from portal.auditlog import services
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "audit_key.secret").write_text("old-passphrase")
    app = make_app(tmp_path)
    with app.app_context():
        assert services.passphrase(app) == b"old-passphrase"
    assert not (instance / "audit_key.secret").exists()
    assert (tmp_path / "instance.audit-passphrase").read_text() == "old-passphrase"
