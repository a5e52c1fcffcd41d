"""The real server on loopback: pages, login, CSRF, throttling, API errors, headers, start-up errors."""
import os
import re
import socket
import subprocess
import sys

import requests

from portal.demo import DEMO_PASSWORD
from tests.conftest import ROOT, LiveServer, free_port


def _csrf(session, url):
    html = session.get(url).text
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_home_village_and_units_api(live_server):
    home = requests.get(live_server.url + "/")
    assert home.status_code == 200 and "南岭镇" in home.text and "后溪村" in home.text
    village = requests.get(live_server.url + "/v/350528100200")
    assert "后溪村" in village.text
    from portal.home.sections import SECTIONS
    for key in SECTIONS:  # every capability's section, in order (tests/pages/test_village_sections checks their items)
        assert f'id="section-{key}"' in village.text, key
    units = requests.get(live_server.url + "/api/v1/units").json()["units"]
    levels = {u["level"] for u in units}
    assert levels == {"county", "township", "village", "grid"}
    by_code = {u["code"]: u for u in units}
    assert by_code["350528100200"]["parent"] == "350528100000"
    assert requests.get(live_server.url + "/v/999999999999").status_code == 404


def test_security_headers(live_server):
    headers = requests.get(live_server.url + "/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_login_needs_csrf_and_right_password(live_server):
    s = requests.Session()
    no_token = s.post(live_server.url + "/login", data={"username": "clerk_houxi", "password": DEMO_PASSWORD})
    assert no_token.status_code == 400 and "页面已过期" in no_token.text
    token = _csrf(s, live_server.url + "/login")
    wrong = s.post(live_server.url + "/login", data={"username": "clerk_houxi", "password": "nope-nope", "csrf_token": token})
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text
    unknown = s.post(live_server.url + "/login", data={"username": "nobody", "password": "nope-nope", "csrf_token": token})
    assert unknown.status_code == 401 and "用户名或密码不正确" in unknown.text
    empty = s.post(live_server.url + "/login", data={"username": "", "password": "", "csrf_token": token})
    assert empty.status_code == 400 and "请填写用户名" in empty.text
    too_long = s.post(live_server.url + "/login", data={"username": "x" * 500, "password": "y", "csrf_token": token})
    assert too_long.status_code == 400 and "用户名太长" in too_long.text
    ok = s.post(live_server.url + "/login", data={"username": "clerk_houxi", "password": DEMO_PASSWORD, "csrf_token": token})
    assert ok.status_code == 200 and "后溪村发布员" in ok.text


def test_failed_logins_are_throttled_per_account(live_server):
    s = requests.Session()
    token = _csrf(s, live_server.url + "/login")
    for _ in range(5):
        r = s.post(live_server.url + "/login", data={"username": "resident_lingtou", "password": "wrong-pass", "csrf_token": token})
        assert r.status_code == 401
    r = s.post(live_server.url + "/login", data={"username": "resident_lingtou", "password": DEMO_PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and "登录失败次数过多" in r.text


def test_admin_pages_need_admin(live_server):
    s = requests.Session()
    assert s.get(live_server.url + "/admin/users", allow_redirects=False).status_code == 302
    token = _csrf(s, live_server.url + "/login")
    s.post(live_server.url + "/login", data={"username": "clerk_houxi", "password": DEMO_PASSWORD, "csrf_token": token})
    forbidden = s.get(live_server.url + "/admin/users")
    assert forbidden.status_code == 403 and "没有权限" in forbidden.text


def test_admin_adds_unit_and_bad_unit_is_refused(fresh_server):
    s = requests.Session()
    token = _csrf(s, fresh_server.url + "/login")
    s.post(fresh_server.url + "/login", data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": token})
    token = _csrf(s, fresh_server.url + "/admin/units")
    form = {"code": "350528100230", "name": "新建村", "level": "village", "parent": "350528100000",
            "contact_name": "王五", "contact_phone": "13900000000", "csrf_token": token}
    assert "已添加：新建村" in s.post(fresh_server.url + "/admin/units", data=form).text
    bad = s.post(fresh_server.url + "/admin/units", data=dict(form, code="350528100240", parent="350528100200"))
    assert bad.status_code == 400 and "上级单位不存在或层级不对" in bad.text
    codes = [u["code"] for u in requests.get(fresh_server.url + "/api/v1/units").json()["units"]]
    assert "350528100230" in codes and "350528100240" not in codes


def test_api_errors_are_json(live_server):
    r = requests.get(live_server.url + "/api/v1/does-not-exist")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = requests.delete(live_server.url + "/api/v1/units")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_english_switch(live_server):
    s = requests.Session()
    r = s.get(live_server.url + "/?lang=en")
    assert "Sunlight Village" in r.text and "Log in" in r.text
    assert "Log in" in s.get(live_server.url + "/v/350528100200").text  # remembered in a cookie


def test_port_in_use_and_unwritable_instance_fail_in_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run([sys.executable, "run.py", "--port", str(port), "--instance", str(tmp_path / "i")],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "already in use" in r.stderr and "Traceback" not in r.stderr
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    target = locked / "inst"
    env = dict(os.environ)
    if os.geteuid() == 0:  # root ignores permissions; use a path under a regular file instead
        (tmp_path / "afile").write_text("x")
        target = tmp_path / "afile" / "inst"
    r = subprocess.run([sys.executable, "run.py", "--port", str(free_port()), "--instance", str(target)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 1 and "not writable" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_instance_layout_and_cli(tmp_path):
    server = LiveServer(tmp_path / "instance", demo=False).start()
    try:
        key = tmp_path / "instance" / "secret_key"
        assert oct(key.stat().st_mode & 0o777) == "0o600"
        assert requests.get(server.url + "/api/v1/units").json()["units"] == []
        r = server.cli("create-user", "boss", "--role", "admin", "--password", "long-enough-pw")
        assert r.returncode == 0, r.stderr
        r = server.cli("create-user", "x y", "--role", "admin")
        assert r.returncode != 0 and "bad_username" in r.stderr
        assert server.token("boss").startswith("svp_")
        r = server.cli("seed-demo")
        assert "demo county loaded" in r.stdout
        backup = tmp_path / "snap.db"
        r = server.cli("backup", str(backup))
        assert r.returncode == 0, r.stderr
        import sqlite3
        with sqlite3.connect(backup) as conn:
            assert conn.execute("select count(*) from unit").fetchone()[0] > 20
        assert server.cli("backup", str(backup)).returncode != 0  # never overwrites
    finally:
        server.stop()


def test_api_write_needs_token_role_and_good_input(fresh_server):
    url = fresh_server.url + "/api/v1/units"
    unit = {"code": "350528200220", "name": "溪尾村", "level": "village", "parent": "350528200000"}
    r = requests.post(url, json=unit)
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_required"
    r = requests.post(url, json=unit, headers={"Authorization": "Bearer svp_forged"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"
    clerk = {"Authorization": "Bearer " + fresh_server.token("clerk_houxi")}
    r = requests.post(url, json=unit, headers=clerk)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    admin = {"Authorization": "Bearer " + fresh_server.token("admin")}
    r = requests.post(url, data="not json", headers=admin)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_json"
    r = requests.post(url, json=dict(unit, name="名" * 65), headers=admin)
    assert r.status_code == 400 and r.json()["error"]["code"] == "name_too_long"
    codes = [u["code"] for u in requests.get(url).json()["units"]]
    assert "350528200220" not in codes
    r = requests.post(url, json=unit, headers=admin)
    assert r.status_code == 201 and r.json()["parent"] == "350528200000"


def test_admin_changes_a_grid_workers_phone(fresh_server):
    s = requests.Session()
    token = _csrf(s, fresh_server.url + "/login")
    s.post(fresh_server.url + "/login", data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": token})
    page = fresh_server.url + "/admin/units/350528100201"
    token = _csrf(s, page)
    bad = s.post(page, data={"contact_name": "李明辉", "contact_phone": "call me<script>", "csrf_token": token})
    assert bad.status_code == 400 and "电话只能包含数字" in bad.text
    ok = s.post(page, data={"contact_name": "李明辉", "contact_phone": "13800001111", "csrf_token": token})
    assert "已更新" in ok.text
    grid = {u["code"]: u for u in requests.get(fresh_server.url + "/api/v1/units").json()["units"]}["350528100201"]
    assert grid["contact_phone"] == "13800001111"
