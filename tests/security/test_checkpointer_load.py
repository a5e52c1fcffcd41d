"""The checkpointer thread signs under write load without ``database is locked``."""
import logging
import threading
import time

import pytest

from tests.conftest import make_app


class _Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.mark.slow
def test_checkpointer_and_concurrent_writers(tmp_path):
    from portal.accounts.models import User
    from portal.auditlog.services import start_checkpointer
    from portal.core import background
    from portal.core.db import database
    from tests.conftest import load_demo_for
    from portal.publications import services
    from portal.units.models import Unit
    app = make_app(tmp_path, AUDIT_CHECKPOINT_INTERVAL=0.01, SEARCH_SYNC=False)
    errors = _Errors()
    app.logger.addHandler(errors)
    database.connect(reuse_if_open=True)
    load_demo_for(app)
    database.close()
    failures, done = [], threading.Event()

    def writer(n):
        with app.app_context():
            database.connect(reuse_if_open=True)
            village = Unit.get(Unit.code == "350528100200")
            clerk = User.get(User.username == "clerk_houxi")
            supervisor = User.get(User.username == "supervisor_houxi")
            try:
                i = 0
                while not done.is_set():
                    pub = services.create_draft(clerk, village, {"title": f"负载{n}-{i}", "category": "village",
                                                                 "body": "正文" * 200})
                    services.approve(supervisor, pub)
                    services.publish(clerk, pub)
                    i += 1
            except Exception as exc:  # a writer must never see the lock either
                failures.append(repr(exc))
            finally:
                database.close()

    start_checkpointer(app)
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(15)
    done.set()
    for t in threads:
        t.join(60)
    background.stop(app)
    assert not failures, failures[:3]
    messages = [r.getMessage() + str(r.exc_info[1] if r.exc_info else "") for r in errors.records]
    assert not messages, messages[:3]
    from audit import checkpoints, log
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert checkpoints.latest() is not None and log.size() > 100
        database.close()
