"""Who must answer a follow-up: a named user, or whoever holds a role at a unit.

Written as ``"username"`` or ``"role@unit code"`` (or ``{"unit", "role"}`` in JSON). The
assignee's unit must cover the object's unit (the village's own clerk, the township
above it): the one scope rule (``Unit.covers``) then lets them answer. Overdue
follow-ups go to the assignee unit's parent, the 上级.
"""
from portal.accounts.models import ROLE_NAMES, User
from portal.core.errors import ValidationError
from portal.units.models import Unit

STAFF_ROLES = ("clerk", "supervisor", "handler", "inspector")


def parse(spec, object_unit):
    """(user or None, unit, role) for ``spec``; ``bad_assignee`` when nobody could answer."""
    if isinstance(spec, dict):
        spec = f"{spec.get('role') or ''}@{spec.get('unit') or ''}"
    if not isinstance(spec, str) or not spec.strip():
        raise ValidationError("missing_assignee", "请指定答复人（用户名，或“角色@单位代码”）。")
    spec = spec.strip()
    if "@" in spec:
        role, _sep, code = spec.partition("@")
        unit = Unit.get_or_none(Unit.code == code.strip())
        role = role.strip()
        if unit is None or role not in STAFF_ROLES:
            raise ValidationError("bad_assignee", "答复单位或角色不存在。")
        user = None
    else:
        user = User.get_or_none((User.username == spec) & (User.active == True))  # noqa: E712
        if user is None or user.role not in STAFF_ROLES or user.unit is None:
            raise ValidationError("bad_assignee", "答复人不存在或不能答复督办。")
        unit, role = user.unit, user.role
    if not unit.covers(object_unit):
        raise ValidationError("bad_assignee", "答复人须是该记录所在村（社区）或其上级单位的人员。")
    return user, unit, role


def is_assignee(user, followup):
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if followup.assignee_user_id is not None:
        return user.id == followup.assignee_user_id
    return user.role == followup.assignee_role and user.unit_id == followup.assignee_unit_id


def label(followup):
    """Public wording: the unit and the role, never a login name."""
    return f"{followup.assignee_unit.name}{ROLE_NAMES.get(followup.assignee_role, followup.assignee_role)}"


def superior(followup):
    """The unit an overdue follow-up escalates to (the county escalates to itself)."""
    return followup.assignee_unit.parent or followup.assignee_unit
