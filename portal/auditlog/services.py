"""The portal's log: its origin, its signing key's passphrase, batched checkpoints.

The passphrase that encrypts the signing key comes from ``AUDIT_KEY_PASSPHRASE``
or, failing that, from a file outside the folder that holds the key (see
``passphrase``), so a copied instance folder or database cannot be unlocked.
"""
import os
import secrets
import threading
import time
from pathlib import Path

import peewee
from flask import current_app

from audit import checkpoints, keys
from portal.core.db import transaction

DEFAULT_ORIGIN = "sunlight-village-portal/audit"
DEFAULT_INTERVAL = 5.0
CACHE_SECONDS = 1.0
LOCK_RETRIES = 5
_lock = threading.Lock()
_passphrase_lock = threading.Lock()


def origin(app=None):
    app = app or current_app
    return app.config.get("AUDIT_ORIGIN") or os.environ.get("AUDIT_ORIGIN") or DEFAULT_ORIGIN


def interval(app=None):
    app = app or current_app
    return float(app.config.get("AUDIT_CHECKPOINT_INTERVAL",
                                os.environ.get("AUDIT_CHECKPOINT_INTERVAL", DEFAULT_INTERVAL)))


def passphrase(app=None):
    """The passphrase that encrypts the signing key: ``AUDIT_KEY_PASSPHRASE``, or the file
    ``AUDIT_KEY_PASSPHRASE_FILE`` names (default ``<instance>.audit-passphrase``, beside
    the instance folder, created 0600 on first run). An instance from before this rule
    kept it as ``<instance>/audit_key.secret``: it is moved out on first use."""
    app = app or current_app
    env = os.environ.get("AUDIT_KEY_PASSPHRASE")
    if env:
        return env.encode("utf-8")
    path = Path(app.config["AUDIT_KEY_PASSPHRASE_FILE"])
    legacy = Path(app.config["INSTANCE_DIR"]) / "audit_key.secret"
    with _passphrase_lock:
        if not path.exists():
            secret = legacy.read_bytes().strip() if legacy.exists() else secrets.token_urlsafe(32).encode()
            _write_owner_only(path, secret)
        if legacy.exists() and path.read_bytes().strip() == legacy.read_bytes().strip():
            legacy.unlink()
    return path.read_bytes().strip()


def _write_owner_only(path, secret):
    """Create ``path`` 0600 with ``secret``; another process that created it first wins."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as fh:
        fh.write(secret)


def signer(app=None):
    return keys.active_signer(origin(app), passphrase(app))


def current_checkpoint(app=None, min_interval=None):
    """The latest signed checkpoint, signing a fresh one if the log grew and the interval passed.

    A process reuses the checkpoint it last returned for up to ``CACHE_SECONDS``
    (never longer than the batch interval, so ``min_interval=0`` or an interval
    of 0 always looks again): proofs default to it, and the two queries it costs
    would otherwise dominate a proof request.
    """
    app = app or current_app._get_current_object()
    wait = interval(app) if min_interval is None else min_interval
    cache = app.extensions.setdefault("audit_checkpoint_cache", {})
    cached = cache.get("checkpoint")
    if cached is not None and time.monotonic() - cache["at"] < min(wait, CACHE_SECONDS):
        return cached
    latest = checkpoints.latest()
    from audit import log
    if latest is None or latest.size != log.size():
        # The write lock first (SQLite BEGIN IMMEDIATE waits its busy timeout): a transaction that
        # began by reading cannot take it later, and SQLite refuses that at once ("database is locked").
        with _lock, transaction(lock=True):
            latest = checkpoints.issue(signer(app), origin(app), wait)
    # reading .key loads the key row now, so the cached checkpoint never queries again
    cache.update(checkpoint=latest, key=latest.key, at=time.monotonic())
    return latest


def rotate_key(actor=None, app=None):
    from portal.core.auditing import actor_name
    with transaction():
        new = keys.rotate(passphrase(app), origin(app), actor_name(actor))
    current_checkpoint(app, min_interval=0)
    return new


def start_checkpointer(app):
    """Sign checkpoints after writes in the background, at most every interval seconds."""
    from portal.core import background

    def sign_once():
        for attempt in range(LOCK_RETRIES):
            try:
                current_checkpoint(app)
                return
            except peewee.OperationalError as exc:
                # SQLite under a burst of writers: the busy timeout ran out; try again soon
                if "locked" not in str(exc) or attempt == LOCK_RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    return background.every(app, "audit-checkpointer", lambda: interval(app) or DEFAULT_INTERVAL, sign_once)
