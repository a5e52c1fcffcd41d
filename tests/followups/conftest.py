"""Fixtures for follow-up tests: the real demo server, bearer tokens of its people, helpers."""
import datetime
import sqlite3

import pytest
import requests

CHINA = datetime.timezone(datetime.timedelta(hours=8))
HOUXI, SHICHENG, NANLING = "350528100200", "350528100210", "350528100000"


def china_today():
    return datetime.datetime.now(CHINA).date()


def days(n):
    return (china_today() + datetime.timedelta(days=n)).isoformat()


class Site:
    def __init__(self, server):
        self.server = server
        self.url = server.url
        self._tokens = {}

    def auth(self, username):
        if username not in self._tokens:
            self._tokens[username] = self.server.token(username)
        return {"Authorization": f"Bearer {self._tokens[username]}"}

    def post(self, path, who, **kw):
        return requests.post(self.url + path, headers=self.auth(who), timeout=90, **kw)

    def get(self, path, who=None, **kw):
        return requests.get(self.url + path, headers=self.auth(who) if who else {}, timeout=90, **kw)

    def publication(self, village=HOUXI, n=0):
        pubs = self.get("/api/v1/publications", params={"village": village}).json()["publications"]
        return pubs[n]["id"]

    def open(self, who="inspector_100", obj=None, **body):
        payload = {"object": obj or {"type": "publication", "id": self.publication()}, "assignee": "clerk_houxi",
                   "question": "请说明资金支出明细。", "due": days(7), "visibility": "public"}
        payload.update(body)
        return self.post("/api/v1/followups", who, json=payload)

    def audit_size(self):
        return self.get("/api/v1/audit/entries", params={"limit": 1}).json()["size"]

    def sql(self, statement, *args):
        """Stand in for time passing (a deadline in the past) directly in the server's database."""
        path = next(self.server.instance.glob("*.db"))
        with sqlite3.connect(path, timeout=30) as conn:
            conn.execute(statement, args)


@pytest.fixture(scope="module")
def site(module_server):
    return Site(module_server)
