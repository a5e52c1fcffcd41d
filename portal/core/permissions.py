"""Every permission decision goes through ``can``.

A permission is an action name mapped to the roles that may take it; the scope
rule is the same for all: the user's unit must cover the unit the action
touches (a clerk of village A never writes for village B). Admins hold the
admin actions county-wide. Domains declare their actions in their descriptor;
they live on the app's registry.
"""
from portal.core import registry
from portal.core.errors import PermissionDenied

CORE_ACTIONS = {
    "admin.units": {"admin"},
    "admin.users": {"admin"},
}


def register(app, actions):
    """Let a domain declare its actions: {"publication.draft": {"clerk"}, ...}."""
    known = registry.of(app).actions
    for name, roles in actions.items():
        known.setdefault(name, set()).update(roles)


def can(user, action, unit=None):
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    roles = registry.of().actions.get(action)
    if roles is None:
        raise KeyError(f"unknown action {action!r}")
    if user.role not in roles:
        return False
    if user.role == "admin":
        return True
    if unit is None:
        return True
    return user.unit is not None and user.unit.covers(unit)


def require(user, action, unit=None):
    if not can(user, action, unit):
        raise PermissionDenied()
