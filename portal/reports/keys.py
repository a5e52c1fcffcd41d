"""Inspectors' key pairs and the keyring of unlocked keys, held in this process's memory only.

An inspector sets a report passphrase once (the first time they open the
reports inbox, or ``flask --app portal reports-set-passphrase``); their private
key is stored encrypted under Argon2id(passphrase). To read reports they unlock
it for their signed-in session: the decrypted key stays in ``Keyring`` (never in
the database, the cookie or a log), keyed by the session, and is forgotten at
sign-out or after ``IDLE_SECONDS`` without use. The API takes the passphrase on
each call instead and keeps nothing.
"""
import hashlib
import json
import os
import threading
import time

from portal.accounts.models import User
from portal.core.db import transaction
from portal.core.errors import PermissionDenied, ValidationError
from portal.core.i18n import N_
from portal.reports import crypto
from portal.reports.models import InspectorKey

IDLE_SECONDS = 30 * 60
MIN_PASSPHRASE = 10


def key_of(user):
    return InspectorKey.get_or_none(InspectorKey.user == user)


def _offloaded(fn, *args):
    """Run a slow KDF in gevent's pool of real threads when serving under gevent (it releases the GIL)."""
    import sys
    monkey = sys.modules.get("gevent.monkey")
    if monkey and monkey.is_module_patched("socket"):
        import gevent
        return gevent.get_hub().threadpool.apply(fn, args)
    return fn(*args)


def stretch(secret, salt, params):
    return _offloaded(crypto.stretch, secret, salt, params)


def set_passphrase(user, passphrase):
    """Create the inspector's key pair, its private half encrypted under the passphrase.

    Only once: a second key would leave the reports wrapped to the first unreadable;
    ``change_passphrase`` re-seals the same key under a new passphrase instead.
    """
    if user is None or user.role != "inspector":
        raise PermissionDenied("not_inspector", N_("只有纪检监察人员才能设置举报密钥口令。"))
    _check_new(passphrase)
    if key_of(user) is not None:
        raise ValidationError("passphrase_set", N_("您已设置过举报密钥口令。"))
    private, public = crypto.new_keypair()
    sealed, salt, params = _seal(user, private, passphrase)
    with transaction():
        InspectorKey.create(user=user, public_key=public, sealed_private=sealed, salt=salt,
                            kdf=json.dumps(params))
    return public


def _check_new(passphrase):
    if not isinstance(passphrase, str) or not MIN_PASSPHRASE <= len(passphrase) <= 200:
        raise ValidationError("bad_passphrase", N_("口令须为10–200个字符。"))


def _seal(user, private, passphrase):
    """The private key sealed under a fresh salt and the current KDF parameters."""
    salt = os.urandom(16)
    params = crypto.inspector_kdf()
    return crypto.box(stretch(passphrase.encode(), salt, params), private, f"inspector-key|{user.id}"), salt, params


def change_passphrase(user, old, new):
    """Re-seal the inspector's private key under ``new`` (the key itself, and so every report
    wrapped to it, stays the same); ``old`` must unlock it. The row is only replaced if nobody
    changed it meanwhile, so two changes at once never leave a key sealed under a lost passphrase."""
    _check_new(new)
    try:
        private = unlock(user, old)
    except PermissionDenied as exc:
        if exc.code != "wrong_passphrase":
            raise
        raise ValidationError("wrong_passphrase", N_("现在的口令不正确。")) from None
    before = bytes(key_of(user).sealed_private)
    sealed, salt, params = _seal(user, private, new)
    with transaction(lock=True):
        changed = (InspectorKey.update(sealed_private=sealed, salt=salt, kdf=json.dumps(params))
                   .where((InspectorKey.user == user) & (InspectorKey.sealed_private == before)).execute())
    if not changed:
        raise ValidationError("passphrase_changed", N_("口令刚被另一次操作更改，请用新口令重试。"))


def unlock(user, passphrase):
    """The inspector's private key for ``passphrase``; a Chinese error for no key or a wrong one."""
    row = key_of(user)
    if row is None:
        raise PermissionDenied("no_key", N_("您还没有设置举报密钥口令，无法解密举报。"))
    if not isinstance(passphrase, str) or not passphrase:
        raise ValidationError("missing_passphrase", N_("请输入举报密钥口令。"))
    key = stretch(passphrase.encode()[:400], bytes(row.salt), json.loads(row.kdf))
    try:
        return crypto.unbox(key, row.sealed_private, f"inspector-key|{user.id}")
    except crypto.DecryptionFailed:
        raise PermissionDenied("wrong_passphrase", N_("口令不正确，无法解锁。")) from None


def inspectors_covering(unit):
    """Active inspectors whose scope covers ``unit`` and who have a key: (user, public key) pairs."""
    keys = {k.user_id: bytes(k.public_key) for k in InspectorKey.select()}
    users = User.select().where((User.role == "inspector") & User.active & User.id.in_(list(keys) or [0]))
    return [(u, keys[u.id]) for u in users if u.unit is not None and u.unit.covers(unit)]


class Keyring:
    """Unlocked private keys by session, forgotten after IDLE_SECONDS idle or at sign-out."""

    def __init__(self, idle=IDLE_SECONDS, clock=time.monotonic):
        self._keys = {}
        self._lock = threading.Lock()
        self.idle = idle
        self.clock = clock

    @staticmethod
    def _slot(sid, user_id):
        return hashlib.sha256(f"{user_id}|{sid}".encode()).hexdigest()

    def put(self, sid, user_id, private):
        with self._lock:
            self._keys[self._slot(sid, user_id)] = [private, self.clock()]

    def get(self, sid, user_id):
        """The key if unlocked and used within the idle time (using it restarts the clock)."""
        now = self.clock()
        with self._lock:
            for slot in [s for s, (_k, at) in self._keys.items() if now - at > self.idle]:
                del self._keys[slot]
            held = self._keys.get(self._slot(sid, user_id)) if sid else None
            if held is None:
                return None
            held[1] = now
            return held[0]

    def forget(self, sid, user_id):
        with self._lock:
            self._keys.pop(self._slot(sid, user_id), None)
