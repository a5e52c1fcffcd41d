"""Fixtures of the audit tests."""
import pytest

from audit import scan

from tests.conftest import missing


def c_loop():
    """``audit._scanloop``; in CI its absence (a failed build) is a failure."""
    if scan._scanloop is None:
        missing("the C scan loop audit._scanloop (built by pip install -e .)")
    return scan._scanloop


@pytest.fixture(params=["c", "python"])
def scan_loop(request, monkeypatch):
    """Run a test with the C scan loop and again with the Python one (forked workers inherit the choice)."""
    monkeypatch.setattr(scan, "LOOP", c_loop() if request.param == "c" else None)
    return request.param
