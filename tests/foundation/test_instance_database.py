"""An instance keeps its database file across upgrades.

The portal's SQLite file is ``<instance>/portal.db``. For a while the default read
``portal.core.db`` (a module rename that reached the file name): an instance made before
that would have started on a new, empty database, and one made during it must not lose
its file now that the name is back.
"""
import sqlite3

from tests.conftest import make_app


def _users(instance, name):
    with sqlite3.connect(instance / name) as db:
        return [row[0] for row in db.execute("SELECT username FROM user ORDER BY username")]


def _instance_with_user(tmp_path, folder, username, **config):
    from portal.accounts.services import create_user
    from portal.core.db import database, release_idle
    app = make_app(tmp_path / folder, **config)
    database.connect(reuse_if_open=True)
    create_user(username, "admin", password="a-long-enough-password-1")
    database.close()
    release_idle(database.obj)  # as a stopped process: no pooled connection keeps the file (and its WAL) open
    return app, tmp_path / folder / "instance"


def test_the_database_file_is_portal_db(tmp_path):
    app, instance = _instance_with_user(tmp_path, "a", "keeper")
    assert app.config["DATABASE_URL"].endswith("/portal.db")
    assert _users(instance, "portal.db") == ["keeper"]


def test_an_instance_from_before_opens_its_own_database(tmp_path):
    from portal.accounts.models import User
    old_file = tmp_path / "b" / "instance" / "portal.db"
    (tmp_path / "b" / "instance").mkdir(parents=True)
    _app, instance = _instance_with_user(tmp_path, "b", "veteran", DATABASE_URL=f"sqlite:///{old_file}")
    again = make_app(tmp_path / "b")  # the same instance folder, started again
    assert again.config["DATABASE_URL"].endswith("/portal.db")
    with again.app_context():
        assert [u.username for u in User.select()] == ["veteran"]


def test_an_instance_of_the_interim_name_keeps_it(tmp_path):
    _app, instance = _instance_with_user(tmp_path, "c", "interim")
    interim = "portal" + ".core.db"
    (instance / "portal.db").rename(instance / interim)
    app = make_app(tmp_path / "c")
    assert app.config["DATABASE_URL"].endswith("/" + interim)
    assert not (instance / "portal.db").exists()
    assert _users(instance, interim) == ["interim"]
