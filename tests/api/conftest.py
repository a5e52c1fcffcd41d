"""A real server with the demo county for the API tests, and bearer tokens for its people."""
import pytest

from tests.conftest import LiveServer

VILLAGE = "350528100200"  # 后溪村


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = LiveServer(tmp_path_factory.mktemp("api") / "instance").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def tokens(server):
    return {name: server.token(name) for name in ("clerk_houxi", "supervisor_houxi", "admin")}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}
