"""Shared by the deployment tests: publishing over HTTP and running ``python -m audit verify``."""
import subprocess
import sys
import time

import requests

from tests.conftest import ROOT

HOUXI = "350528100200"


def publish(url, clerk, supervisor, title, session=None):
    """draft → approve → publish over the API; returns the publication's id (raises on any non-2xx)."""
    http = session or requests
    auth = lambda token: {"Authorization": f"Bearer {token}"}  # noqa: E731
    r = http.post(url + "/api/v1/publications", headers=auth(clerk), timeout=30,
                  json={"village": HOUXI, "category": "village", "title": title, "body": f"{title}的内容。"})
    r.raise_for_status()
    pub = r.json()["id"]
    http.post(f"{url}/api/v1/publications/{pub}/approve", headers=auth(supervisor), timeout=30).raise_for_status()
    http.post(f"{url}/api/v1/publications/{pub}/publish", headers=auth(clerk), timeout=30).raise_for_status()
    return pub


def search_ids(url, query):
    r = requests.get(url + "/api/v1/search", params={"q": query}, timeout=30)
    r.raise_for_status()
    return [hit["id"] for hit in r.json()["results"] if hit["type"] == "publication"]


def found_soon(url, query, pub, seconds=30):
    """True once ``pub`` is among the hits: the index follows a commit in the background."""
    deadline = time.monotonic() + seconds
    while True:
        if pub in search_ids(url, query):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)


def audit_verify(database_url):
    """``python -m audit verify --db URL``: (exit code, output)."""
    done = subprocess.run([sys.executable, "-m", "audit", "verify", "--db", database_url, "--quiet"],
                          cwd=str(ROOT), capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr
