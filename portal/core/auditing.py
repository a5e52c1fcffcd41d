"""Writing an audit entry for a change, inside the change's transaction (library in ``audit/``)."""
from audit import log as audit_log
from portal.core import registry


def actor_name(actor):
    """What the entry says about who acted, as the domain that knows people labels it
    (``Domain.provides["actor_label"]``: never a login name); None is the system."""
    if actor is None or isinstance(actor, str):
        return actor
    return registry.of().provided["actor_label"](actor)


def record(actor, action, object_type, object_id, payload, files=(), time=None):
    """Append the audit entry for a change; returns it (``.index``, ``.leaf_hash`` hex).

    Must run inside the caller's ``transaction()``: the entry rolls back with the change.
    ``time`` (aware) stands in for now where the exact moment must not be kept (a report
    filed anonymously is sealed with its hour only).
    """
    entry = audit_log.append(actor_name(actor), action, object_type, str(object_id), payload, files, time)
    return entry
