"""A real server with the demo county for the API tests, and bearer tokens for its people."""
import pytest


VILLAGE = "350528100200"  # 后溪村


@pytest.fixture(scope="module")
def server(module_server):
    return module_server


@pytest.fixture(scope="module")
def tokens(server):
    return {name: server.token(name) for name in ("clerk_houxi", "supervisor_houxi", "admin")}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}
