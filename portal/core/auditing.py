"""Writing an audit entry for a change, inside the change's transaction (library in ``audit/``)."""
from audit import log as audit_log


def actor_name(actor):
    """Entries name people by login name; None is the system."""
    if actor is None:
        return None
    return getattr(actor, "username", None) or str(actor)


def record(actor, action, object_type, object_id, payload, files=()):
    """Append the audit entry for a change; returns it (``.index``, ``.leaf_hash`` hex).

    Must run inside the caller's ``transaction()``: the entry rolls back with the change.
    """
    entry = audit_log.append(actor_name(actor), action, object_type, str(object_id), payload, files)
    return entry
