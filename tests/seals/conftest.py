"""Fixtures for seal tests: a real server with the demo county and bearer tokens for its people."""
import pytest
import requests

HOUXI, SHICHENG = "350528100200", "350528100210"


@pytest.fixture(scope="module")
def site(module_server):
    """(base url, {username: auth header}) on the module's real server."""
    names = ("clerk_houxi", "clerk_shicheng", "resident_houxi", "admin", "supervisor_houxi")
    return module_server.url, {n: {"Authorization": f"Bearer {module_server.token(n)}"} for n in names}


def audit_size(url):
    return requests.get(f"{url}/api/v1/audit/checkpoint").json()["size"]


def new_seal(url, auth, **extra):
    body = {"village": HOUXI, "name": "后溪村测试章", "kind": "other", "keeper": "甲保管", "approver": "乙审批"}
    body.update(extra)
    made = requests.post(f"{url}/api/v1/seals", headers=auth["clerk_houxi"], json=body)
    assert made.status_code == 201, made.text
    return made.json()


def use_body(seal_id, **extra):
    body = {"seal": seal_id, "used_on": "2026-11-02", "purpose": "报送材料", "document": "测试文件", "copies": 2,
            "applicant": "王大明", "approver": "乙审批"}
    body.update(extra)
    return body
