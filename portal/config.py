"""Configuration from environment variables with safe defaults.

The same variables drive ``run.py`` and ``flask --app portal`` so both act on the
same instance folder and database.
"""
import os
import secrets
from pathlib import Path


class InstanceError(Exception):
    """The instance folder cannot be created or written."""


def instance_path(explicit=None):
    return Path(explicit or os.environ.get("PORTAL_INSTANCE") or "./instance").resolve()


def prepare_instance(path: Path):
    """Create the instance folder and its secret key file (mode 0600).

    Raises InstanceError with a one-line reason when the folder is unusable.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        (path / "index").mkdir(exist_ok=True)
        probe = path / ".write-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise InstanceError(f"instance folder {path} is not writable: {exc.strerror or exc}") from exc
    key_file = path / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def load_config(instance: Path, overrides=None):
    """Build the Flask config dict for an instance folder."""
    overrides = dict(overrides or {})
    secret = os.environ.get("SECRET_KEY") or prepare_instance(instance)
    config = {
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": secret,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'portal.core.db'}",
        "INDEX_DIR": str(instance / "index"),
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        "MAX_CONTENT_LENGTH": int(os.environ.get("PORTAL_MAX_UPLOAD_MB", "20")) * 1024 * 1024 + 64 * 1024,
        "MAX_UPLOAD_BYTES": int(os.environ.get("PORTAL_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh",
        "LOGIN_MAX_FAILURES": int(os.environ.get("PORTAL_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_FAILURE_WINDOW": int(os.environ.get("PORTAL_LOGIN_FAILURE_WINDOW", "900")),
    }
    config.update(overrides)
    return config
