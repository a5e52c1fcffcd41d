"""A real server per module for the hardening tests, and small helpers to drive it."""
import re

import pytest
import requests

from portal.demo import DEMO_PASSWORD
from tests.conftest import LiveServer

VILLAGE = "350528100200"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own with the demo county (tests here change state)."""
    srv = LiveServer(tmp_path_factory.mktemp("sec") / "instance").start()
    yield srv
    srv.stop()


def csrf(session, url):
    html = session.get(url).text
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def login(base, username, password=DEMO_PASSWORD, next_url=None, session=None, headers=None):
    """Sign in through the real form; returns (session, response of the POST, not followed)."""
    s = session or requests.Session()
    token = csrf(s, base + "/login")
    url = base + "/login" + (f"?next={next_url}" if next_url is not None else "")
    r = s.post(url, data={"username": username, "password": password, "csrf_token": token},
               allow_redirects=False, headers=headers or {})
    return s, r


def bearer(server, username):
    return {"Authorization": "Bearer " + server.token(username)}
