"""The PostgreSQL backup recipe of docs/deploy.md, run as written: pg_dump, later writes, pg_restore,
``python -m audit verify`` on the restored database, the index rebuilt, the same signing key."""
import shutil
import subprocess
import uuid

import pytest
import requests

from tests.conftest import PG_BASE_URL, LiveServer, missing, pg_available
from tests.deploy.helpers import audit_verify, found_soon, publish, search_ids


@pytest.fixture
def pg_database():
    """A database of the test's own (pg_dump works on databases, not on the tests' schemas)."""
    if not pg_available() or not shutil.which("pg_dump"):
        missing("PostgreSQL at 127.0.0.1:5432 with pg_dump")
    import psycopg2
    name = "dump_" + uuid.uuid4().hex[:10]
    conn = psycopg2.connect(PG_BASE_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    yield PG_BASE_URL.rsplit("/", 1)[0] + "/" + name
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def run(*args):
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.slow
def test_pg_dump_and_restore_as_documented(tmp_path, pg_database):
    server = LiveServer(tmp_path / "instance", env={"DATABASE_URL": pg_database}).start()
    dump = tmp_path / "portal.dump"
    try:
        clerk, sup = server.token("clerk_houxi"), server.token("supervisor_houxi")
        kept = publish(server.url, clerk, sup, "备份前的水渠维修公示")
        before = requests.get(server.url + "/api/v1/audit/checkpoint", timeout=10).json()
        run("pg_dump", "--format=custom", f"--file={dump}", pg_database)  # online, the portal keeps running
        lost = publish(server.url, clerk, sup, "备份后的路灯更换公示")
        assert found_soon(server.url, "路灯更换", lost)
    finally:
        server.stop()

    run("pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={pg_database}", str(dump))
    code, out = audit_verify(pg_database)
    assert code == 0, out
    rebuilt = server.cli("search", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr

    server.demo = False
    server.start()
    try:
        assert kept in search_ids(server.url, "水渠维修")
        assert search_ids(server.url, "路灯更换") == []  # written after the dump: gone, from the index too
        assert requests.get(f"{server.url}/api/v1/publications/{lost}", timeout=10).status_code == 404
        after = requests.get(server.url + "/api/v1/audit/checkpoint", timeout=10).json()
        assert after["public_key"] == before["public_key"] and after["size"] >= before["size"]
        again = publish(server.url, clerk, sup, "恢复后的新公示")  # the restored portal writes and signs on
        assert found_soon(server.url, "恢复后", again)
    finally:
        server.stop()
