"""Configuration from environment variables with safe defaults.

The same variables drive ``run.py`` and ``flask --app portal`` so both act on the
same instance folder and database. The instance folder holds secrets (the
session key, the SQLite database with the encrypted audit signing key), so it
is owner-only (0700) and the database files are 0600; the passphrase that
unlocks the signing key is never kept beside it (see ``audit_passphrase_file``).
"""
import os
import secrets
import stat
from pathlib import Path
from urllib.parse import urlparse


class InstanceError(Exception):
    """The instance folder cannot be created or written, or a secret would sit beside what it protects."""


def instance_path(explicit=None):
    return Path(explicit or os.environ.get("PORTAL_INSTANCE") or "./instance").resolve()


def _owner_only(path: Path, mode):
    if stat.S_IMODE(path.stat().st_mode) != mode:
        path.chmod(mode)


def prepare_instance(path: Path):
    """Create the instance folder (0700) and its secret key file (0600); returns the key.

    Raises InstanceError with a one-line reason when the folder is unusable.
    """
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        _owner_only(path, 0o700)
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


def default_sqlite_file(instance: Path):
    """``<instance>/portal.db``; an instance made while the default read ``portal.core.db`` (a module
    rename that reached the file name) keeps that file rather than starting on an empty database."""
    interim = instance / "portal.core.db"
    if interim.exists() and not (instance / "portal.db").exists():
        return interim
    return instance / "portal.db"


def sqlite_path(url):
    """The file of a ``sqlite:///`` URL, or None for another database (or ``:memory:``)."""
    parsed = urlparse(url or "")
    if not parsed.scheme.startswith("sqlite") or parsed.path[1:] in ("", ":memory:"):
        return None
    return Path(parsed.path[1:]).resolve()


def secure_sqlite_files(url):
    """Create the SQLite file 0600 before SQLite does, and make it and its -wal/-shm 0600.

    SQLite gives the -wal and -shm files the mode of the database file, so
    creating the database owner-only keeps all three so; existing files of an
    older instance are tightened here too.
    """
    path = sqlite_path(url)
    if path is None or not path.parent.is_dir():
        return
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if part.exists():
            _owner_only(part, 0o600)


def audit_passphrase_file(instance: Path, database_url=None):
    """Where the audit key's passphrase is read from when ``AUDIT_KEY_PASSPHRASE`` is unset.

    ``AUDIT_KEY_PASSPHRASE_FILE`` if the operator names one, else
    ``<instance>.audit-passphrase`` beside (not inside) the instance folder: a
    copy of the instance folder or of the database then does not carry the
    passphrase that unlocks the key stored in it. Refused (InstanceError) when
    the file would sit in the instance folder or in the SQLite database's folder.
    """
    named = os.environ.get("AUDIT_KEY_PASSPHRASE_FILE")
    path = Path(named).resolve() if named else instance.parent / (instance.name + ".audit-passphrase")
    guarded = [instance.resolve()]
    db_file = sqlite_path(database_url)
    if db_file is not None:
        guarded.append(db_file.parent)
    for folder in guarded:
        if path.parent == folder or folder in path.parents:
            raise InstanceError(f"the audit key passphrase file {path} must not be inside {folder}, "
                                "where the key it protects is kept; set AUDIT_KEY_PASSPHRASE_FILE elsewhere")
    return path


def _flag(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def load_config(instance: Path, overrides=None):
    """Build the Flask config dict for an instance folder."""
    overrides = dict(overrides or {})
    secret = os.environ.get("SECRET_KEY") or prepare_instance(instance)
    base_url = (os.environ.get("PORTAL_BASE_URL") or "").rstrip("/")
    config = {
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": secret,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{default_sqlite_file(instance)}",
        "INDEX_DIR": str(instance / "index"),
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        "MAX_CONTENT_LENGTH": int(os.environ.get("PORTAL_MAX_UPLOAD_MB", "20")) * 1024 * 1024 + 64 * 1024,
        "MAX_UPLOAD_BYTES": int(os.environ.get("PORTAL_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        # the public address, e.g. https://cunwu.example.gov.cn (origins, Secure cookies)
        "PORTAL_BASE_URL": base_url,
        # extra origins allowed to open a Socket.IO connection, space or comma separated
        "PORTAL_ALLOWED_ORIGINS": os.environ.get("PORTAL_ALLOWED_ORIGINS", ""),
        # how many reverse proxies in front set X-Forwarded-For/-Proto/-Host (0: none, trust nothing)
        "PORTAL_PROXIES": int(os.environ.get("PORTAL_PROXIES", "0")),
        "SESSION_COOKIE_SECURE": _flag("PORTAL_SECURE_COOKIES", base_url.startswith("https://")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh",
        "LOGIN_MAX_FAILURES": int(os.environ.get("PORTAL_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_FAILURE_WINDOW": int(os.environ.get("PORTAL_LOGIN_FAILURE_WINDOW", "900")),
    }
    if os.environ.get("PORTAL_PAGE_CACHE_SECONDS"):  # anonymous pages kept this long (core/page_cache.py)
        config["PAGE_CACHE_SECONDS"] = float(os.environ["PORTAL_PAGE_CACHE_SECONDS"])
    config.update(overrides)
    if "AUDIT_KEY_PASSPHRASE_FILE" not in config:
        config["AUDIT_KEY_PASSPHRASE_FILE"] = str(audit_passphrase_file(instance, config["DATABASE_URL"]))
    secure_sqlite_files(config["DATABASE_URL"])
    return config
