"""Users, API tokens (stored only as hashes) and failed-login records."""
import datetime

import peewee
from flask_login import UserMixin

from portal.core.db import BaseModel
from portal.core.i18n import N_
from portal.units.models import Unit

ROLES = ("resident", "clerk", "supervisor", "handler", "inspector", "admin")
ROLE_NAMES = {
    "resident": N_("村民/居民"),
    "clerk": N_("村务发布员"),
    "supervisor": N_("村务监督委员会成员"),
    "handler": N_("网格员/乡镇部门"),
    "inspector": N_("纪检监察"),
    "admin": N_("管理员"),
}


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


class User(UserMixin, BaseModel):
    username = peewee.CharField(max_length=32, unique=True)  # login name
    display_name = peewee.CharField(max_length=32, default="")  # shown on pages
    password_hash = peewee.CharField(max_length=200)  # argon2id hash
    role = peewee.CharField(max_length=12)  # one of ROLES
    unit = peewee.ForeignKeyField(Unit, null=True, backref="users", column_name="unit_code", object_id_name="unit_id")  # scope
    active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=utcnow)

    @property
    def is_active(self):
        return self.active

    @property
    def role_name(self):
        return ROLE_NAMES.get(self.role, self.role)

    def to_api(self):
        return {"username": self.username, "display_name": self.display_name,
                "role": self.role, "unit": self.unit_id}


class ApiToken(BaseModel):
    user = peewee.ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    token_hash = peewee.CharField(max_length=64, unique=True)  # SHA-256 hex of the bearer token
    label = peewee.CharField(max_length=64, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    revoked = peewee.BooleanField(default=False)


class LoginFailure(BaseModel):
    key = peewee.CharField(max_length=80, index=True)  # "user:NAME" or "addr:IP"
    at = peewee.DateTimeField(default=utcnow, index=True)


class LoginSession(BaseModel):
    """A signed-in browser session, so signing out ends it on the server too: the cookie
    alone (signed, not secret once copied) no longer opens staff pages after logout."""
    sid_hash = peewee.CharField(max_length=64, unique=True)  # SHA-256 hex of the id kept in the cookie
    user = peewee.ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = peewee.DateTimeField(default=utcnow)


MODELS = [User, ApiToken, LoginFailure, LoginSession]
