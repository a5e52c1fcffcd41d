"""The core's untraced mark: an unexpected error on an untraced route is reported by its type only."""
import io
import json
import logging

from flask import Blueprint

from portal.core.domain import Domain
from portal.core.privacy import untraced
from portal.health import logs
from portal import create_app
from portal.core import background

secret_bp = untraced(Blueprint("secret_test", __name__))
plain_bp = Blueprint("plain_test", __name__)


@secret_bp.post("/secret-test")
def secret_fails():
    raise ValueError("MARKERERROR7Q sent by a reporter")


@plain_bp.post("/plain-test")
def plain_fails():
    raise ValueError("MARKERPLAIN7Q")


def test_untraced_errors_and_request_lines_leave_no_trace(tmp_path):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    app = None
    try:
        app = create_app({"INSTANCE_DIR": str(tmp_path / "instance"), "WTF_CSRF_ENABLED": False,
                          "PROPAGATE_EXCEPTIONS": False},  # not TESTING: errors are handled, as in production
                         extra_domains=[Domain(name="privacy_test", blueprints=[secret_bp, plain_bp])])
        client = app.test_client()
        headers = {"User-Agent": "MARKERAGENT7Q", "X-Request-Id": "MARKERREQID7Q"}
        assert client.post("/secret-test", headers=headers,
                           environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 500
        assert client.post("/plain-test", environ_base={"REMOTE_ADDR": "203.0.113.10"}).status_code == 500
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        if app is not None:
            background.stop(app)  # a production app starts its periodic jobs: this test's must end with it
    text = stream.getvalue()
    assert "MARKERPLAIN7Q" in text and "203.0.113.10" in text  # an ordinary route is logged as before
    for marker in ("MARKERERROR7Q", "MARKERAGENT7Q", "MARKERREQID7Q", "203.0.113.9"):
        assert marker not in text
    secret = [json.loads(l) for l in text.splitlines() if "secret-test" in l or "untraced" in l]
    assert secret and all(l["ts"].endswith(":00:00Z") for l in secret)
    assert any(l["msg"] == "unhandled ValueError on an untraced request" for l in secret)
