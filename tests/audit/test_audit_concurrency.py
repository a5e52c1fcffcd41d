"""Two processes appending at once produce one gapless, verifiable sequence."""
import subprocess
import sys
from pathlib import Path

import pytest

from audit import db as audit_db
from audit import log, verify

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PER_WORKER = 60


def _run_two(url):
    database = audit_db.open_url(url)
    audit_db.database.initialize(database)
    with database.connection_context():
        if "schema=" in url:
            database.execute_sql(f'CREATE SCHEMA IF NOT EXISTS "{url.split("schema=")[1]}"')
        log.create_tables(database)
    procs = [subprocess.Popen([sys.executable, str(HERE / "audit_appender.py"), url, name, str(PER_WORKER)],
                              cwd=ROOT, env={"PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE, text=True)
             for name in ("a", "b")]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    audit_db.database.initialize(database)
    with database.connection_context():
        from audit.models import AuditEntry
        indexes = [e.idx for e in AuditEntry.select(AuditEntry.idx).order_by(AuditEntry.idx)]
        expected = 2 * (PER_WORKER + PER_WORKER // 10)
        assert indexes == list(range(expected))
        assert verify.verify_database(progress=False) == expected
        owners = {e.object_id.split("-")[0] for e in AuditEntry.select()}
        assert owners == {"a", "b"}


def test_two_processes_on_sqlite(tmp_path):
    _run_two(f"sqlite:///{tmp_path / 'log.db'}")


def test_two_processes_on_postgresql(pg_url):
    _run_two(pg_url)
