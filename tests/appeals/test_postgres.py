"""On PostgreSQL (row locks, not SQLite's write lock): eight simultaneous filings with one
idempotency key make one appeal; concurrent sweeps escalate an overdue appeal once."""
import datetime
import threading
import uuid

from portal.appeals import services
from portal.appeals.models import Appeal
from portal.core.clock import utcnow
from portal.core.db import connection
from tests.conftest import make_app


def _county(app):
    from portal.accounts.services import create_user
    from portal.units.services import create_unit
    create_unit(None, "350528000000", "清源县", "county")
    create_unit(None, "350528100000", "南岭镇", "township", "350528000000")
    create_unit(None, "350528100200", "后溪村", "village", "350528100000")
    return create_user("handler_houxi", "handler", "350528100200")[0]


def _together(app, fn, n=8):
    barrier, out = threading.Barrier(n), []

    def run():
        with app.app_context(), connection():
            barrier.wait()
            try:
                out.append(fn())
            except Exception as exc:  # noqa: BLE001 — the test looks at what each got
                out.append(exc)
    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_one_key_files_once_and_sweeps_escalate_once(tmp_path, pg_url):
    app = make_app(tmp_path, database_url=pg_url, APPEAL_SWEEP_SECONDS=0, APPEAL_LIMIT_HOURS={"general": 1})
    with connection():
        handler = _county(app)
    key = uuid.uuid4().hex
    got = _together(app, lambda: services.file_appeal("350528100200", "roads", "村道中段有个大坑，下雨积水。",
                                                      idempotency_key=key))
    assert all(isinstance(g, tuple) for g in got), got
    assert len({row.id for row, _receipt, _ in got}) == 1 and len({receipt for _row, receipt, _ in got}) == 1
    with connection():
        assert Appeal.select().count() == 1
        appeal = Appeal.get()
        services.act(handler, appeal.id, "accept")
    later = utcnow() + datetime.timedelta(hours=2)
    moved = _together(app, lambda: services.sweep(later), n=4)
    assert sum(m for m in moved if isinstance(m, int)) == 1, moved
    with connection():
        assert Appeal.get_by_id(appeal.id).escalations == 1
