"""nginx in front of portal processes, from deploy/nginx/sunlight-portal.conf, for the tests and bench."""
import re
import shutil
import subprocess
import time
from pathlib import Path

import requests

from tests.conftest import ROOT, free_port

SITE = ROOT / "deploy" / "nginx" / "sunlight-portal.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Nginx:
    """A foreground nginx on a free loopback port with a prefix of its own (no root needed)."""

    def __init__(self, prefix, backend_ports):
        self.prefix = Path(prefix)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        site = SITE.read_text()
        servers = "".join(f"    server 127.0.0.1:{p};\n" for p in backend_ports)
        site = re.sub(r"(    server 127\.0\.0\.1:\d+;\n)+", servers, site)
        site = site.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        self.prefix.mkdir(parents=True, exist_ok=True)
        (self.prefix / "logs").mkdir(exist_ok=True)
        (self.prefix / "site.conf").write_text(site)
        (self.prefix / "nginx.conf").write_text(f"""
worker_processes 1;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/logs/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {self.prefix}/body;
    proxy_temp_path {self.prefix}/proxy;
    fastcgi_temp_path {self.prefix}/fastcgi;
    uwsgi_temp_path {self.prefix}/uwsgi;
    scgi_temp_path {self.prefix}/scgi;
    include {self.prefix}/site.conf;
}}
""")
        self.proc = None

    def start(self, timeout=15):
        self.proc = subprocess.Popen([NGINX, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"),
                                      "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.proc.stderr.read().decode()}")
            try:
                requests.get(self.url + "/healthz", timeout=2)
                return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("nginx did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
