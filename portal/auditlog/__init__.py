"""The portal's side of the audit log (library in ``audit/``).

Services call ``record(...)`` inside their ``transaction()`` so a change and
its entry commit together; domains declare ``audit_sources`` in their
descriptor so ``python -m audit verify`` can re-derive each payload from
today's rows and catch an edited published record.
"""
import hashlib
import hmac
import re

import peewee
from flask import current_app, has_app_context

from audit import db as audit_db
from audit import redaction
from audit import sources as audit_sources
from portal.core.auditing import record  # noqa: F401  (domains write entries through it)
from portal.core.db import database
from portal.auditlog import services as _services


# A login name (the username rule: ASCII letters, digits, _ . -). Labels written since
# entries stopped naming people by login always hold a Chinese character or "·",
# so an actor matching this is an entry from before and is shown by ``public_actor``.
LOGIN_NAME = re.compile(r"^[A-Za-z0-9_.\-]{2,32}$")


def _pseudonym(user):
    key = current_app.config["SECRET_KEY"].encode() if has_app_context() else b"portal"
    return hmac.new(key, f"actor:{user.id}".encode(), hashlib.sha256).hexdigest()[:8]


def actor_label(user):
    """What a public entry says about who acted: never a login name (it may be a mobile number).

    Residents: "村民·张**" (masked like live questions) or, when their display name
    is only their login name, "村民·#<pseudonym>" (stable per person, keyed by the
    portal's secret, so it cannot be recomputed from a user id). Staff act in
    office: their role and unit, "村务发布员·后溪村". None is the system.
    """
    if user is None:
        return None
    if isinstance(user, str):
        return user
    from portal.accounts.models import ROLE_NAMES
    if user.role == "resident":
        name = (user.display_name or "").strip()
        if name and name != user.username and not name.isascii():
            return f"村民·{name[0]}**"
        return f"村民·#{_pseudonym(user)}"
    role = ROLE_NAMES.get(user.role, user.role)
    return f"{role}·{user.unit.name}" if user.unit_id else role


def public_actor(actor):
    """The actor of a stored entry as pages and the API show it (older entries hold a login name)."""
    if actor is None or not LOGIN_NAME.match(actor):
        return actor
    from flask import g
    from portal.accounts.models import User
    cache = g.setdefault("public_actors", {}) if has_app_context() else {}
    if actor not in cache:
        user = User.get_or_none(User.username == actor)
        cache[actor] = actor_label(user) if user is not None else "用户"
    return cache[actor]



def public_entry(entry, withheld=None):
    """An entry as the public sees it: ``(actor label, leaf text or None)``.

    Entries written since actors are labels are shown byte for byte. An older
    entry naming a login name keeps its bytes (its hash is in every checkpoint
    since), but they are not served: the API gives its leaf hash, which the next
    entry's ``prev`` and the tree still bind, and ``leaf`` null (``redacted``).
    The same holds for an entry a redaction names (its payload held personal data
    the detector of its day missed; ``audit.redaction``). ``withheld``: the
    ``{index: redaction index}`` of a page of entries, looked up when None.
    """
    import json
    text = bytes(entry.entry).decode("utf-8")
    stored = json.loads(text).get("actor")
    shown = public_actor(stored)
    if withheld is None:
        withheld = redaction.withheld([entry.idx])
    if entry.idx in withheld:
        return shown, None
    return shown, (text if shown == stored else None)


def register_source(object_type, fn):
    """``fn(entry) -> dict | None`` re-derives an entry's payload from the rows as they are now."""
    audit_sources.register(object_type, fn)


def entry_at(index):
    """The entry at ``index`` or None (templates: ``audit_entry(index)``)."""
    from audit.models import AuditEntry
    try:
        return AuditEntry.get_or_none(AuditEntry.idx == int(index))
    except (TypeError, ValueError, OverflowError):
        return None


def _follow(obj):
    if obj is not None and not isinstance(obj, peewee.Proxy):
        audit_db.database.initialize(obj)


# The audit library's models follow the portal's database proxy wherever it is bound.
database.attach_callback(_follow)
_follow(database.obj)


def head_index():
    """The newest entry's index, or None for an empty log (projections compare against it)."""
    from audit.models import AuditEntry
    return AuditEntry.select(peewee.fn.MAX(AuditEntry.idx)).scalar()


def entries_after(index, batch=5000):
    """Entries after ``index`` in order, only (index, object_type, object_id): what a projection
    such as the search index needs to catch up, streamed in batches."""
    from audit.models import AuditEntry
    last = int(index)
    while True:
        rows = list(AuditEntry.select(AuditEntry.idx, AuditEntry.object_type, AuditEntry.object_id)
                    .where(AuditEntry.idx > last).order_by(AuditEntry.idx).limit(batch))
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].idx


def sign_note(body, app=None):
    """``body`` as a C2SP signed note under the audit log's key, for documents the portal vouches
    for beside its log (the open-data manifest); verify with the key ``/api/v1/audit/checkpoint`` names."""
    return _services.signer(app).sign_note(body)


def latest_checkpoint(app=None):
    """The latest signed checkpoint (signed now if the log grew): ``.note``, ``.size``, ``.root``, ``.key``."""
    return _services.current_checkpoint(app)
