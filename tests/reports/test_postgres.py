"""On PostgreSQL: simultaneous wrong receipts for one prefix: exactly the limit get checked, the rest stop."""
import threading

from portal.core.db import connection
from portal.core.errors import PortalError
from portal.demo import load_demo
from portal.reports import filing
from tests.conftest import make_app


def test_parallel_guesses_never_pass_the_limit(tmp_path, pg_url):
    app = make_app(tmp_path, pg_url)
    with connection():
        load_demo()
        right = filing.file_report("350528100200", "并发测试")
    prefix = right[:4]
    outcomes, lock = [], threading.Lock()

    def guess(n):
        with app.app_context(), connection():
            try:
                filing.unlock_by_receipt(prefix + f"{n:012d}")
                code = "ok"
            except PortalError as exc:
                code = exc.code
        with lock:
            outcomes.append(code)
    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == sorted(["wrong_receipt"] * filing.PREFIX_LIMIT
                                      + ["too_many_attempts"] * (12 - filing.PREFIX_LIMIT)), outcomes


def run_together(app, fn, n):
    results, lock = [], threading.Lock()

    def one():
        with app.app_context(), connection():
            try:
                value = fn()
            except PortalError as exc:
                value = exc.code
        with lock:
            results.append(value)
    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_parallel_sweeps_seal_each_filing_once_and_a_report_closes_once(tmp_path, pg_url):
    from audit.models import AuditEntry
    from portal.accounts.models import User
    from portal.reports import inspection, keys
    from portal.reports.models import Report, ReportMessage
    from tests.reports.conftest import PASS
    app = make_app(tmp_path, pg_url)
    with connection():
        load_demo()
        filing.seal_pending(everything=True)
        for i in range(6):
            filing.file_report("350528100200", f"第{i}件")
    sealed = run_together(app, lambda: filing.seal_pending(everything=True), 4)
    assert sum(sealed) == 6
    with connection():
        assert AuditEntry.select().where(AuditEntry.action == "report.file").count() == Report.select().count()
        town = User.get(User.username == "inspector_100")
        private = keys.unlock(town, PASS)
        target = Report.select().order_by(Report.id.desc()).first().id
    outcomes = run_together(app, lambda: inspection.close(town, target, "结论", private, 730) and "closed", 5)
    assert sorted(outcomes) == ["bad_state"] * 4 + ["closed"]
    with connection():
        assert ReportMessage.select().where((ReportMessage.report == target)
                                            & (ReportMessage.author == "conclusion")).count() == 1
