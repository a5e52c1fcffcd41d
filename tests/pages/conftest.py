"""Page tests run on a copy of the session's demo county (see tests/publications/conftest.py)."""
from tests.publications.conftest import app, demo, people, unchanged  # noqa: F401
