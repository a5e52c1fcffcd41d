"""deploy/nginx as shipped keeps no log line for the reporter's routes and passes no client address on."""
from pathlib import Path

import pytest
import requests

from tests.conftest import LiveServer, missing
from tests.deploy.nginx import NGINX, Nginx

pytestmark = pytest.mark.slow


def test_nginx_logs_nothing_of_report_requests(tmp_path):
    if not Path(NGINX).exists():
        missing("nginx (Debian package nginx)")
    server = LiveServer(tmp_path / "instance").start()
    proxy = Nginx(tmp_path / "nginx", [server.port])
    conf = proxy.prefix / "nginx.conf"
    access = proxy.prefix / "logs" / "access.log"
    conf.write_text(conf.read_text().replace("access_log off;", f"access_log {access};", 1))
    try:
        proxy.start()
        agent = {"User-Agent": "MARKERNGINX7Q"}
        assert requests.get(proxy.url + "/reports/new", headers=agent).status_code == 200
        assert requests.post(proxy.url + "/api/v1/reports/lookup", headers=agent,
                             json={"receipt": "0" * 16}).status_code == 404
        assert requests.get(proxy.url + "/api/v1/units", headers=agent).status_code == 200
    finally:
        proxy.stop()
        server.stop()
    logged = access.read_text()
    assert "/api/v1/units" in logged  # other routes are logged as usual
    assert "/reports" not in logged and "/api/v1/reports" not in logged
    assert "MARKERNGINX7Q" not in (proxy.prefix / "logs" / "error.log").read_text()
