"""An instance created before 金额/决定日期 and amount duties upgrades in place (step 3), on SQLite and PostgreSQL."""
import decimal
import sqlite3

import pytest

from tests.conftest import make_app


DROPPED = [("publication", "amount"), ("publication", "decided_on"), ("duty_rule", "kind"),
           ("duty_rule", "threshold"), ("duty_rule", "within_days")]
OLD_RULE = ("INSERT INTO duty_rule (name, category, power_category, frequency, grace_days, active) "
            "VALUES ('财务收支每月公开', 'finance', '', 'monthly', 10, {true})")


def _downgrade_sqlite(tmp_path):
    """Turn a fresh instance into one made before step 3: drop its columns, forget the step."""
    conn = sqlite3.connect(tmp_path / "instance" / "portal.db")
    for table, column in DROPPED:
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    conn.execute("DELETE FROM schema_migration WHERE version = 3")
    conn.execute(OLD_RULE.format(true=1))
    conn.commit()
    assert "amount" not in {row[1] for row in conn.execute("PRAGMA table_info(publication)")}
    conn.close()


def _downgrade_postgresql(url):
    """The same on PostgreSQL, in the test's own schema."""
    import psycopg2
    base, schema = url.split("?schema=")
    conn = psycopg2.connect(base)
    with conn, conn.cursor() as cur:
        cur.execute(f'SET search_path TO "{schema}"')
        for table, column in DROPPED:
            cur.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
        cur.execute("DELETE FROM schema_migration WHERE version = 3")
        cur.execute(OLD_RULE.format(true="TRUE"))
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                    "AND table_name = 'publication'", (schema,))
        assert "amount" not in {row[0] for row in cur.fetchall()}
    conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def old_instance(request, tmp_path):
    """The database URL (None: the instance's SQLite file) of an instance whose schema stops at step 2."""
    if request.param == "sqlite":
        make_app(tmp_path)
        _downgrade_sqlite(tmp_path)
        return None
    url = request.getfixturevalue("pg_url")
    make_app(tmp_path, url)
    _downgrade_postgresql(url)
    return url


def test_old_instance_gains_amount_columns_and_keeps_its_rules(tmp_path, old_instance):
    make_app(tmp_path, old_instance)
    from portal.core.db import database
    from portal.core.migrations import SchemaMigration
    from portal.publications import duties
    from portal.publications.models import DutyRule, Publication
    from portal.units.models import Unit
    with database.connection_context():
        assert "publication_amount_duties" in {m.name for m in SchemaMigration.select()}
        rule = DutyRule.get(DutyRule.name == "财务收支每月公开")
        assert (rule.kind, rule.threshold, rule.within_days, rule.frequency) == ("periodic", None, None, "monthly")
        assert Publication.select().where(Publication.amount.is_null(False)).count() == 0
        # the upgraded tables take the new kind of rule and measure villages against both
        new = duties.add_rule(None, "招投标5万元以上7日内公开", "result", "", power_category="tender",
                              kind="amount", threshold="50000", within_days=7)
        assert DutyRule.get_by_id(new.id).threshold == decimal.Decimal("50000")
        village = Unit.create(code="350528100299", name="试点村", level="village", parent=None,
                              path="/350528100299/", contact_name="", contact_phone="")
        assert [d["rule"].kind for d in duties.duty_status(village)] == ["periodic", "amount"]

    make_app(tmp_path, old_instance)  # a second start applies nothing again
    with database.connection_context():
        assert SchemaMigration.select().where(SchemaMigration.version == 3).count() == 1
