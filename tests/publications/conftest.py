"""Fixtures for publication tests: the demo county, its people, and counters that prove 'nothing written'.

Every test gets the demo county as a copy of the session's template
(``tests.conftest.demo_into``): a database of its own, without a demo load each time.
"""
import pytest

from portal.accounts.models import User
from tests.conftest import demo_into, make_app


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    demo_into(app)
    return app


@pytest.fixture
def demo(db):
    """Already loaded: the app's database is a copy of the session's demo template."""
    return db


@pytest.fixture
def people(demo):
    """The demo village 后溪村 and its clerk, supervisor and resident (plus a neighbour village's resident)."""
    from portal.units.models import Unit
    get = lambda name: User.get(User.username == name)  # noqa: E731
    return type("People", (), {
        "village": Unit.get(Unit.code == "350528100200"),
        "other_village": Unit.get(Unit.code == "350528100210"),
        "clerk": get("clerk_houxi"), "supervisor": get("supervisor_houxi"), "resident": get("resident_houxi"),
        "other_resident": get("resident_shicheng"), "other_clerk": get("clerk_shicheng"),
    })


def snapshot():
    """Row counts of everything a publication step may write, and the audit log size."""
    from audit import log
    from portal.publications.models import MODELS
    return {m.__name__: m.select().count() for m in MODELS} | {"audit": log.size()}


@pytest.fixture
def unchanged():
    """``with unchanged(): ...`` asserts that the block wrote nothing."""
    import contextlib

    @contextlib.contextmanager
    def check():
        before = snapshot()
        yield
        assert snapshot() == before
    return check
