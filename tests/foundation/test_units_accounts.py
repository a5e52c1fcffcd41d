"""Units, users, tokens and the permission rule, on SQLite and on PostgreSQL."""
import pytest

from portal.core.errors import ValidationError
from tests.conftest import make_app


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request, tmp_path):
    """The same tests on the embedded default and on the PostgreSQL server on loopback."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    app = make_app(tmp_path, url)
    from portal.core.db import database
    database.connect(reuse_if_open=True)
    from tests.conftest import load_demo_for
    load_demo_for(app)
    yield app
    database.close()


def test_tree_levels_and_scope(any_db):
    from portal.units.models import Unit
    county = Unit.get(Unit.level == "county")
    houxi = Unit.get(Unit.name == "后溪村")
    shicheng = Unit.get(Unit.name == "石埕村")
    assert county.covers(houxi) and houxi.parent.covers(houxi)
    assert not houxi.covers(shicheng)
    assert [u.level for u in houxi.ancestors()] == ["county", "township"]
    assert Unit.select().where(Unit.level == "township").count() >= 2
    assert Unit.select().where(Unit.level == "village").count() >= 6
    assert all(len(u.code) == 12 and u.code.isdigit() for u in Unit.select())


def test_clerk_cannot_write_for_another_village(any_db):
    from portal.accounts.models import User
    from portal.core.permissions import can, register
    from portal.units.models import Unit
    register(any_db, {"test.write": {"clerk"}})
    clerk = User.get(User.username == "clerk_houxi")
    assert can(clerk, "test.write", Unit.get(Unit.name == "后溪村"))
    assert not can(clerk, "test.write", Unit.get(Unit.name == "石埕村"))
    inspector = User.get(User.username == "inspector_100")
    assert not can(inspector, "test.write", Unit.get(Unit.name == "后溪村"))
    assert not can(clerk, "admin.users")
    assert can(User.get(User.username == "admin"), "admin.users")


def test_tokens_are_stored_only_as_hashes(any_db):
    from portal.accounts.models import ApiToken, User
    from portal.accounts.services import create_token, user_for_token
    user = User.get(User.username == "clerk_houxi")
    token = create_token(user)
    assert user_for_token(token).id == user.id
    assert user_for_token(token + "x") is None
    assert not ApiToken.select().where(ApiToken.token_hash == token).exists()


@pytest.mark.parametrize("kwargs,code", [
    (dict(username="a b", role="clerk", unit_code="350528100200"), "bad_username"),
    (dict(username="newone", role="mayor", unit_code="350528100200"), "bad_role"),
    (dict(username="newone", role="clerk", unit_code="999999999999"), "bad_unit"),
    (dict(username="newone", role="clerk", unit_code="350528100000"), "bad_unit_level"),
    (dict(username="newone", role="clerk", unit_code=None), "unit_required"),
    (dict(username="clerk_houxi", role="clerk", unit_code="350528100200"), "duplicate_username"),
    (dict(username="newone", role="clerk", unit_code="350528100200", password="short"), "bad_password"),
])
def test_bad_users_are_refused_and_nothing_written(any_db, kwargs, code):
    from portal.accounts.models import User
    from portal.accounts.services import create_user
    before = User.select().count()
    with pytest.raises(ValidationError) as err:
        create_user(**kwargs)
    assert err.value.code == code
    assert User.select().count() == before


def test_bad_units_are_refused(any_db):
    from portal.units.models import Unit
    from portal.units.services import create_unit
    before = Unit.select().count()
    for args, code in [
        (("12345", "某村", "village", "350528100000"), "bad_code"),
        (("350528100290", "", "village", "350528100000"), "bad_name"),
        (("350528100290", "某村", "village", "350528100200"), "bad_parent"),
        (("350528100200", "某村", "village", "350528100000"), "duplicate_code"),
        (("350528100290", "某村", "city", "350528100000"), "bad_level"),
    ]:
        with pytest.raises(ValidationError) as err:
            create_unit(None, *args)
        assert err.value.code == code
    assert Unit.select().count() == before


def test_unit_changes_are_audited(any_db):
    from audit.models import AuditEntry
    from portal.units.models import Unit
    from portal.units.services import update_contact
    created = AuditEntry.select().where(AuditEntry.action == "unit.create").count()
    assert created == Unit.select().count()
    houxi = Unit.get(Unit.name == "后溪村")
    update_contact(None, houxi, "黄丽华", "13905951299")
    last = AuditEntry.select().order_by(AuditEntry.idx.desc()).first()
    assert (last.action, last.object_id) == ("unit.update_contact", houxi.code)
    assert "13905951299" in last.payload
