"""The three capitals' fixtures: the demo county on a real server, bearer tokens for its people."""
import pytest
import requests

from portal.core.clock import today

HOUXI, SHICHENG, YANGPING = "350528100200", "350528100210", "350528100220"
DONGHU, GUIXIANG, SHUANGLUAN, LINGTOU = "350528001200", "350528001210", "350528200200", "350528200210"
USERS = ["clerk_houxi", "supervisor_houxi", "resident_houxi", "clerk_shicheng", "clerk_donghu", "supervisor_donghu",
         "clerk_guixiang", "supervisor_guixiang", "clerk_lingtou", "clerk_shuangluan", "supervisor_shuangluan"]


def tokens_for(instance, usernames):
    """Tokens made in this process on the server's own database (no CLI start per user)."""
    from portal import create_app
    from portal.accounts.models import User
    from portal.accounts.services import create_token
    from portal.core.db import connection
    app = create_app({"TESTING": True, "INSTANCE_DIR": str(instance)})
    with app.app_context(), connection():
        return {u: create_token(User.get(User.username == u)) for u in usernames}


class Site:
    def __init__(self, server, tokens):
        self.url = server.url
        self.server = server
        self.tokens = tokens

    def auth(self, who):
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, path, **kw):
        return requests.get(self.url + path, timeout=30, **kw)

    def post(self, path, who=None, **kw):
        headers = self.auth(who) if who else {}
        return requests.post(self.url + path, headers=headers, timeout=60, **kw)


@pytest.fixture(scope="module")
def site(module_server):
    return Site(module_server, tokens_for(module_server.instance, USERS))


def this_month():
    return today().strftime("%Y-%m")


def last_month():
    day = today().replace(day=1)
    prev = day.replace(year=day.year - 1, month=12) if day.month == 1 else day.replace(month=day.month - 1)
    return prev.strftime("%Y-%m")
