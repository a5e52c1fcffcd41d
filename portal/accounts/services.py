"""The only writer of users and tokens, and the login check with its rate limit."""
import datetime
import hashlib
import os
import re
import secrets

from argon2 import PasswordHasher, profiles
from flask import current_app, has_app_context
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from portal.accounts.models import ROLES, ApiToken, LoginFailure, LoginSession, User, utcnow
from portal.core.db import transaction
from portal.core.errors import ValidationError
from portal.core.text import clean_text
from portal.units.models import Unit

def _make_hasher():
    """argon2id with the library's defaults; the test suite asks for the cheapest profile
    (PORTAL_PASSWORD_HASH=cheapest) because it creates hundreds of demo accounts."""
    if os.environ.get("PORTAL_PASSWORD_HASH") == "cheapest":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


_hasher = _make_hasher()
# Verifying against this keeps unknown users as slow as known ones.
_DUMMY_HASH = _hasher.hash("unknown-user-placeholder")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,32}$")

# Which level of unit each role is scoped to (None: the whole county).
ROLE_UNIT_LEVELS = {
    "resident": ("village",),
    "clerk": ("village",),
    "supervisor": ("village",),
    "handler": ("grid", "village", "township"),
    "inspector": ("township", "county"),
    "admin": ("county",),
}


class LoginThrottled(Exception):
    pass


def hash_password(password):
    return _hasher.hash(password)


def create_user(username, role, unit_code=None, password=None, display_name=""):
    """Create a user; returns (user, password) so a generated password can be shown once."""
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise ValidationError("bad_username", "用户名须为2–32位字母、数字、下划线、点或连字符。")
    if not isinstance(role, str) or role not in ROLES:
        raise ValidationError("bad_role", "角色必须是 %(roles)s 之一。", roles=" ".join(ROLES))
    if password is None:
        password = secrets.token_urlsafe(12)
    if len(password) < 8 or len(password) > 128:
        raise ValidationError("bad_password", "密码长度须为8–128位。")
    display_name = clean_text(display_name, "display_name", "显示名称", 32)
    unit = None
    if unit_code:
        unit = Unit.get_or_none(Unit.code == unit_code)
        if unit is None:
            raise ValidationError("bad_unit", "所属单位不存在。")
    elif role != "admin":
        raise ValidationError("unit_required", "除管理员外，用户必须属于一个单位。")
    if unit is not None and unit.level not in ROLE_UNIT_LEVELS[role]:
        raise ValidationError("bad_unit_level", "该角色不能设在这一层级的单位。")
    if User.get_or_none(User.username == username):
        raise ValidationError("duplicate_username", "该用户名已存在。")
    with transaction():
        user = User.create(username=username, role=role, unit=unit,
                           display_name=display_name or username, password_hash=hash_password(password))
    return user, password


def set_active(user, active):
    """Enable or disable a user; disabling also ends every session they have open."""
    with transaction():
        user.active = bool(active)
        user.save()
        if not user.active:
            LoginSession.delete().where(LoginSession.user == user).execute()


def session_lifetime():
    """PERMANENT_SESSION_LIFETIME in seconds (Flask accepts seconds or a timedelta)."""
    value = current_app.config["PERMANENT_SESSION_LIFETIME"] if has_app_context() else 8 * 3600
    return value.total_seconds() if isinstance(value, datetime.timedelta) else value


def _sid_hash(sid):
    return hashlib.sha256(sid.encode()).hexdigest()


def open_session(user):
    """A new server-side session for ``user``; returns the id the cookie carries."""
    sid = secrets.token_urlsafe(32)
    lifetime = session_lifetime()
    with transaction():
        # sessions past their lifetime can never load again: drop this user's on the way
        LoginSession.delete().where((LoginSession.user == user) & (
            LoginSession.created_at < utcnow() - datetime.timedelta(seconds=lifetime))).execute()
        LoginSession.create(sid_hash=_sid_hash(sid), user=user)
    return sid


def close_session(sid):
    if isinstance(sid, str) and sid:
        with transaction():
            LoginSession.delete().where(LoginSession.sid_hash == _sid_hash(sid)).execute()


def user_for_session(user_id, sid):
    """The active user of a session still open on the server (and within its lifetime), else None."""
    lifetime = session_lifetime()
    if not isinstance(sid, str) or not sid or not str(user_id).isdigit() or len(sid) > 100:
        return None
    since = utcnow() - datetime.timedelta(seconds=lifetime)
    row = (LoginSession.select(LoginSession, User).join(User)
           .where((LoginSession.sid_hash == _sid_hash(sid)) & (LoginSession.user == int(user_id))
                  & (LoginSession.created_at >= since))
           .first())
    if row is None or not row.user.active:
        return None
    return row.user


def create_token(user, label=""):
    """Issue a bearer token; only its SHA-256 is stored, the token is returned once."""
    token = "svp_" + secrets.token_urlsafe(32)
    with transaction():
        ApiToken.create(user=user, token_hash=hashlib.sha256(token.encode()).hexdigest(), label=label[:64])
    return token


def user_for_token(token):
    if not token or len(token) > 200:
        return None
    row = (ApiToken.select(ApiToken, User).join(User)
           .where((ApiToken.token_hash == hashlib.sha256(token.encode()).hexdigest()) & (~ApiToken.revoked))
           .first())
    if row is None or not row.user.active:
        return None
    return row.user


def _recent_failures(key, window):
    since = utcnow() - datetime.timedelta(seconds=window)
    return LoginFailure.select().where((LoginFailure.key == key) & (LoginFailure.at >= since)).count()


def authenticate(username, password, address, max_failures=5, window=900):
    """Return the user for good credentials, None for bad ones.

    Raises LoginThrottled when the account or the address has failed too often
    within the window; a throttled attempt is not even checked.
    """
    keys = [f"user:{(username or '')[:64]}", f"addr:{(address or '')[:64]}"]
    per_address_limit = max_failures * 4
    if (_recent_failures(keys[0], window) >= max_failures
            or _recent_failures(keys[1], window) >= per_address_limit):
        raise LoginThrottled()
    user = User.get_or_none(User.username == (username or "")[:32])
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
        ok = user is not None and user.active
    except (VerifyMismatchError, InvalidHashError):
        ok = False
    if not ok:
        with transaction():
            for key in keys:
                LoginFailure.create(key=key)
        return None
    with transaction():
        LoginFailure.delete().where(LoginFailure.key == keys[0]).execute()
    return user
