"""Fixtures for publication tests: the demo county, its people, and counters that prove 'nothing written'.

The demo county is loaded once per session into a template instance folder
(database, keys, search index) and copied for each test: every test still
gets a database of its own, without paying for the demo load each time.
"""
import shutil

import pytest

from portal.accounts.models import User
from tests.conftest import make_app


@pytest.fixture(scope="session")
def demo_instance(tmp_path_factory):
    from portal.core.db import database
    from portal.demo import load_demo
    from portal.search.service import get_service
    root = tmp_path_factory.mktemp("pubdemo")
    app = make_app(root)
    database.connect(reuse_if_open=True)
    load_demo()
    database.close()
    get_service(app).flush()
    return root / "instance"


@pytest.fixture
def app(tmp_path, demo_instance):
    shutil.copytree(demo_instance, tmp_path / "instance")
    return make_app(tmp_path)


@pytest.fixture
def demo(db):
    """Already loaded: the app's database is a copy of the session's demo instance."""
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
