"""transaction() and on_commit(): events only after the outermost commit, never after a rollback."""
import pytest

from portal.core import events
from portal.core.db import connection, on_commit, transaction


@pytest.fixture
def seen(app):
    got = []
    events.subscribe(app, "test.changed", lambda name, **payload: got.append(payload["n"]))
    with app.app_context(), connection():
        yield got


def test_a_nested_service_does_not_emit_before_the_outer_commit(seen):
    with transaction():
        with transaction():  # a service called inside its caller's transaction
            events.emit("test.changed", n=1)
        assert seen == []  # inner block done, outer not committed
        events.emit("test.changed", n=2)
        assert seen == []
    assert seen == [1, 2]


def test_rollback_runs_no_hook(seen):
    with pytest.raises(RuntimeError):
        with transaction():
            events.emit("test.changed", n=1)
            raise RuntimeError("refused")
    with transaction():
        events.emit("test.changed", n=2)
    assert seen == [2]


def test_a_rolled_back_savepoint_drops_only_its_own_hooks(seen):
    with transaction():
        events.emit("test.changed", n=1)
        try:
            with transaction():
                events.emit("test.changed", n=2)
                raise ValueError("inner refused")
        except ValueError:
            pass
        events.emit("test.changed", n=3)
    assert seen == [1, 3]


def test_on_commit_outside_a_transaction_is_refused(seen):
    with pytest.raises(RuntimeError):
        on_commit(lambda: None)
    with pytest.raises(RuntimeError):
        events.emit("test.changed", n=1)


def test_a_failing_subscriber_does_not_undo_the_write_or_starve_others(app, seen):
    def broken(name, **payload):
        raise ValueError("projection down")
    events.subscribe(app, "test.changed", broken)
    events.subscribe(app, "test.changed", lambda name, **p: seen.append(-p["n"]))
    with transaction():
        events.emit("test.changed", n=5)
    assert seen == [5, -5]


def test_registries_belong_to_their_app(tmp_path):
    from portal.core import registry
    from tests.conftest import make_app
    first = make_app(tmp_path / "a")
    second = make_app(tmp_path / "b")
    events.subscribe(first, "test.only_first", print)
    assert registry.of(second).subscribers.get("test.only_first") in (None, [])
    assert registry.of(first).actions is not registry.of(second).actions



def test_id_list_writes_only_integers_into_the_statement(app):
    from portal.accounts.models import User
    from portal.accounts.services import create_user
    from portal.core.db import id_list
    with app.app_context(), connection():
        users = [create_user(f"idlist_{i}", "admin")[0] for i in range(3)]
        assert sorted(u.username for u in User.select().where(User.id.in_(id_list([users[0].id, str(users[2].id)])))) \
            == ["idlist_0", "idlist_2"]
        assert User.select().where(User.id.in_(id_list([]))).count() == 0
        sql, params = User.select(User.id).where(User.id.in_(id_list(["3", 1, 2]))).sql()
        assert sql.endswith("IN (3,1,2))") and params == []
        with pytest.raises(ValueError):
            id_list(["1) OR (1=1"])
