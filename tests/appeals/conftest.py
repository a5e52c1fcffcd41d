"""A real server with the demo county, bearer tokens for its handlers, and helpers to file and step."""
import uuid

import pytest
import requests

VILLAGE = "350528100200"  # 后溪村
GRID = "350528100201"  # 后溪村第一网格 (grid_houxi works there)
PEOPLE = ("handler_houxi", "grid_houxi", "handler_100", "resident_houxi", "grid_shicheng")


@pytest.fixture(scope="module")
def server(module_server):
    return module_server


@pytest.fixture(scope="module")
def auth(server):
    return {name: {"Authorization": f"Bearer {server.token(name)}"} for name in PEOPLE}


class Client:
    def __init__(self, url, auth):
        self.url, self.auth = url, auth

    def file(self, who=None, key=None, **body):
        data = {"village": VILLAGE, "grid": GRID, "category": "roads", "text": "村道中段有个大坑，下雨积水很危险。"}
        data.update(body)
        headers = dict(self.auth[who]) if who else {}
        if key:
            headers["Idempotency-Key"] = key
        return requests.post(f"{self.url}/api/v1/appeals", json=data, headers=headers, timeout=30)

    def step(self, who, appeal_id, action, **body):
        return requests.post(f"{self.url}/api/v1/appeals/{appeal_id}/{action}", json=body,
                             headers=self.auth[who], timeout=30)

    def rate(self, appeal_id, who=None, **body):
        return requests.post(f"{self.url}/api/v1/appeals/{appeal_id}/rate", json=body,
                             headers=self.auth[who] if who else {}, timeout=30)

    def get(self, appeal_id):
        return requests.get(f"{self.url}/api/v1/appeals/{appeal_id}", timeout=30)

    def stats(self, unit, **params):
        return requests.get(f"{self.url}/api/v1/appeals/stats", params={"unit": unit, **params}, timeout=30)

    def replied(self, outcome="fixed"):
        """A fresh anonymous appeal taken to 已答复; returns (id, receipt)."""
        made = self.file(key=uuid.uuid4().hex).json()
        assert self.step("handler_houxi", made["id"], "accept").status_code == 200
        assert self.step("handler_houxi", made["id"], "dispatch", to=GRID).status_code == 200
        r = self.step("grid_houxi", made["id"], "reply", note="已经填平。", outcome=outcome)
        assert r.status_code == 200, r.text
        return made["id"], made["receipt"]


@pytest.fixture(scope="module")
def api(server, auth):
    return Client(server.url, auth)
