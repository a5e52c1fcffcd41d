"""Fixtures for dashboard tests: the demo county (a copy of the session's template) per test; figures computed inline."""
import pytest

from tests.conftest import demo_into, make_app

SYNC = {"DASHBOARD_SYNC": True, "SEARCH_SYNC": True}


@pytest.fixture
def dash_app(tmp_path):
    app = make_app(tmp_path, **SYNC)
    demo_into(app)
    return app


@pytest.fixture
def ddb(dash_app):
    from portal.core.db import database
    database.connect(reuse_if_open=True)
    yield database
    if not database.is_closed():
        database.close()


class People:
    def __init__(self):
        from portal.accounts.models import User
        from portal.units.models import Unit
        self.clerk = User.get(User.username == "clerk_houxi")
        self.supervisor = User.get(User.username == "supervisor_houxi")
        self.resident = User.get(User.username == "resident_houxi")
        self.village = Unit.get(Unit.code == "350528100200")  # 后溪村, 南岭镇


@pytest.fixture
def people(ddb):
    return People()
