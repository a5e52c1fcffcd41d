import pytest

from tests.conftest import LiveServer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One real portal for a module's socket tests; each test makes its own meetings."""
    srv = LiveServer(tmp_path_factory.mktemp("meetings") / "instance").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def tokens(server):
    names = ("clerk_houxi", "clerk_shicheng", "resident_houxi", "resident_shicheng", "admin")
    return {name: server.token(name) for name in names}
