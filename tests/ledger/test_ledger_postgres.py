"""The import's multi-row INSERTs and the batch digest on PostgreSQL: the demo's months are imported the way a
clerk imports them, then ``python -m audit verify`` re-derives every batch from the rows as stored."""
from tests.conftest import make_app
from tests.deploy.helpers import audit_verify


def test_imports_on_postgresql_are_written_whole_and_re_derived_by_verify(tmp_path, pg_url):
    from portal.core.db import connection
    from portal.ledger import statements
    from portal.ledger.models import Entry, ImportBatch
    from tests.conftest import load_demo_for
    app = make_app(tmp_path, pg_url)
    with connection():
        load_demo_for(app)
        batches = list(ImportBatch.select())
        assert batches and all(b.audit_index is not None for b in batches)
        for b in batches[:20]:
            rows = Entry.select().where(Entry.batch == b.id)
            # written with the batch's audit index (an invoice attached later moves it on)
            assert rows.count() == b.rows and all(e.audit_index >= b.audit_index for e in rows)
        village = batches[0].village_id
        year = batches[-1].month[:4]
        months = [statements.statement([village], f"{year}-{m:02d}", public=False)["income"] for m in range(1, 13)]
        assert statements.statement([village], year, public=False)["income"] == sum(months)
    code, out = audit_verify(pg_url)
    assert code == 0, out
