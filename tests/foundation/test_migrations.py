"""An instance created with the previous schema upgrades in place and keeps its data."""
import sqlite3

from tests.conftest import make_app

PREVIOUS_SCHEMA = """
CREATE TABLE unit (code VARCHAR(12) NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL, level VARCHAR(10) NOT NULL,
  parent_code VARCHAR(12), path VARCHAR(120) NOT NULL, contact_name VARCHAR(32) NOT NULL,
  contact_phone VARCHAR(20) NOT NULL, FOREIGN KEY (parent_code) REFERENCES unit (code));
CREATE TABLE user (id INTEGER NOT NULL PRIMARY KEY, username VARCHAR(32) NOT NULL, password_hash VARCHAR(200) NOT NULL,
  role VARCHAR(12) NOT NULL, unit_code VARCHAR(12), active INTEGER NOT NULL, created_at DATETIME NOT NULL,
  FOREIGN KEY (unit_code) REFERENCES unit (code));
CREATE UNIQUE INDEX user_username ON user (username);
INSERT INTO unit VALUES ('350528000000', '清源县', 'county', NULL, '/350528000000/', '', '');
INSERT INTO unit VALUES ('350528100000', '南岭镇', 'township', '350528000000', '/350528000000/350528100000/', '陈建国', '0595-22880101');
INSERT INTO user VALUES (1, 'oldclerk', 'x', 'clerk', '350528100000', 1, '2025-01-01 00:00:00');
"""


def test_previous_schema_upgrades_without_losing_data(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    conn = sqlite3.connect(instance / "portal.db")
    conn.executescript(PREVIOUS_SCHEMA)
    conn.commit()
    conn.close()

    make_app(tmp_path)
    from portal.accounts.models import User
    from portal.core.db import database
    from portal.core.migrations import SchemaMigration
    from portal.units.models import Unit
    with database.connection_context():
        assert Unit.get(Unit.code == "350528100000").contact_name == "陈建国"
        assert Unit.get(Unit.code == "350528100000").sort_order == 0
        user = User.get(User.username == "oldclerk")
        assert user.display_name == "" and user.unit.name == "南岭镇"
        assert {m.name for m in SchemaMigration.select()} >= {"unit_sort_order", "user_display_name"}
        assert database.table_exists("api_token")

    make_app(tmp_path)  # a second start applies nothing again
    with database.connection_context():
        assert User.select().count() == 1


def test_fresh_database_is_stamped_with_every_step(tmp_path, pg_url):
    from portal import domains
    from portal.core.migrations import SchemaMigration
    STEPS = [step for d in domains() for step in d.migrations]
    from portal.core.db import database
    make_app(tmp_path, pg_url)
    with database.connection_context():
        assert SchemaMigration.select().count() == len(STEPS)
