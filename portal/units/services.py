"""The only writer of administrative units; units and their public contacts are audited."""
import re

from portal.auditlog import record
from portal.core.db import transaction
from portal.core.errors import ValidationError
from portal.core.text import clean_text
from portal.units.models import LEVELS, Unit

PARENT_LEVEL = {"township": "county", "village": "township", "grid": "village"}
PHONE_RE = re.compile(r"^[0-9+\-() ]{0,20}$")


def create_unit(actor, code, name, level, parent_code=None, contact_name="", contact_phone="", sort_order=0):
    """Add a unit under its parent; every field is checked before anything is written."""
    code = clean_text(code, "code", "行政区划代码", 64)
    name = clean_text(name, "name", "名称", 64)
    contact_name = clean_text(contact_name, "contact_name", "联系人", 32)
    if not re.fullmatch(r"\d{12}", code):
        raise ValidationError("bad_code", "行政区划代码必须是12位数字。")
    if not name or len(name) > 64:
        raise ValidationError("bad_name", "名称不能为空，且不超过64个字。")
    if level not in LEVELS:
        raise ValidationError("bad_level", "层级必须是县、乡镇/街道、村/社区或网格之一。")
    if len(contact_name or "") > 32 or not PHONE_RE.match(contact_phone or ""):
        raise ValidationError("bad_contact", "联系人不超过32个字，电话只能包含数字和 +-()。")
    parent = None
    if level != "county":
        parent = Unit.get_or_none(Unit.code == parent_code)
        if parent is None or parent.level != PARENT_LEVEL[level]:
            raise ValidationError("bad_parent", "上级单位不存在或层级不对。")
    if Unit.get_or_none(Unit.code == code):
        raise ValidationError("duplicate_code", "该行政区划代码已存在。")
    with transaction():
        unit = Unit.create(code=code, name=name, level=level, parent=parent,
                           path=(parent.path if parent else "/") + code + "/",
                           contact_name=contact_name or "", contact_phone=contact_phone or "",
                           sort_order=sort_order)
        record(actor, "unit.create", "unit", unit.code, unit.to_api())
    return unit


def update_contact(actor, unit, contact_name, contact_phone):
    contact_name = clean_text(contact_name, "contact_name", "联系人", 32)
    if len(contact_name or "") > 32 or not PHONE_RE.match(contact_phone or ""):
        raise ValidationError("bad_contact", "联系人不超过32个字，电话只能包含数字和 +-()。")
    with transaction():
        unit.contact_name = contact_name or ""
        unit.contact_phone = contact_phone or ""
        unit.save()
        record(actor, "unit.update_contact", "unit", unit.code, unit.to_api())
    return unit


def townships():
    return list(Unit.select().where(Unit.level == "township").order_by(Unit.sort_order, Unit.code))


def villages_of(township):
    return list(Unit.select().where((Unit.level == "village") & (Unit.parent == township))
                .order_by(Unit.sort_order, Unit.code))
