"""A periodic job works only on its own app's database.

The model proxy is process-wide: a job left running by an app that is no longer the bound one
(several apps in one process, as in the test suite) must not write into the next app's database
with its own keys; each round checks that its app's database is still the bound one.
"""
import threading

from tests.conftest import make_app


def test_a_job_never_runs_against_another_apps_database(tmp_path):
    from portal.core import background
    from portal.core.db import database
    first = make_app(tmp_path / "a")
    seen, ran = [], threading.Event()

    def job():
        seen.append(database.obj)
        ran.set()

    background.every(first, "probe", 0.02, job)
    assert ran.wait(5), "the job never ran for its own app"
    second = make_app(tmp_path / "b")  # binds the process-wide proxy to the second app's database
    bound = database.obj
    seen.clear()
    ran.clear()
    try:
        assert not ran.wait(0.5), "a job of the first app ran while the second app's database was bound"
        assert bound not in seen
    finally:
        background.stop(first)
        background.stop(second)
