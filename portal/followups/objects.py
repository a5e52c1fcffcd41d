"""Any record of any domain, named by (record type, id), through the record registry.

This is what makes follow-ups one mechanism: the record types every domain declares
(``registry.of(app).record_types``) already say which unit governs a record
(``unit_of``), its public title, whether it is public and where its page is. What is
not one record (a village's duties, which a red flag concerns as a whole) a domain
declares as a ``Subject`` (``registry.of(app).subjects``), which says the same.
"""
from dataclasses import dataclass
from typing import Optional

from portal.core import records, registry
from portal.core.errors import NotFound
from portal.core.personal_data import mask


@dataclass
class ObjectRef:
    type: str  # record type name
    id: int
    label: str  # the type's Chinese name, e.g. 公开记录
    title: str  # masked
    unit: object  # the Unit whose scope governs it
    public: bool  # anyone may read it now

    @property
    def url(self) -> Optional[str]:
        """Its page, when public (built on use: it needs a request)."""
        return records.object_url(self.type, self.id) if self.public else None


NOT_OBJECTS = ("followup", "campaign")  # the workbench's own records are not objects of follow-ups


def followable_types():
    """Every type a follow-up may name: declared record types (but the workbench's own) and subjects."""
    reg = registry.of()
    types = {name: rt.label for name, rt in reg.record_types.items() if name not in NOT_OBJECTS}
    types.update({name: subject.label for name, subject in reg.subjects.items()})
    return types


def resolve(object_type, object_id):
    """The object or ``bad_object`` (404): unknown type, bad id, no such record (or subject)."""
    reg = registry.of()
    name = str(object_type or "")
    rt, subject = reg.record_types.get(name), reg.subjects.get(name)
    if (rt is None and subject is None) or name in NOT_OBJECTS:
        raise NotFound("bad_object", "督办对象的类型不存在。")
    if isinstance(object_id, str) and object_id.isascii() and object_id.isdigit():
        object_id = int(object_id)
    if isinstance(object_id, bool) or not isinstance(object_id, int) or not 0 < object_id < records.MAX_ID:
        raise NotFound("bad_object", "督办对象不存在。")
    if subject is not None:  # not a record: the declaring domain finds it
        found = subject.find(object_id)
        if found is None:
            raise NotFound("bad_object", "督办对象不存在。")
        return ObjectRef(name, object_id, subject.label, mask(str(found.title or ""))[:200], found.unit, found.public)
    row = rt.model.get_or_none(rt.model.id == object_id)
    if row is None:
        raise NotFound("bad_object", "督办对象不存在。")
    public = records.is_public(rt, row)
    return ObjectRef(rt.name, row.id, rt.label, mask(str(rt.title_of(row) or ""))[:200], rt.unit_of(row), public)


def type_label(object_type):
    return followable_types().get(object_type, object_type)
