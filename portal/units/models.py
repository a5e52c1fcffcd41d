"""Administrative units (行政区划) and their public contacts."""
import peewee

from portal.core.db import BaseModel
from portal.core.i18n import N_

LEVELS = ("county", "township", "village", "grid")
LEVEL_NAMES = {"county": N_("县"), "township": N_("乡镇/街道"), "village": N_("村/社区"), "grid": N_("网格")}


class Unit(BaseModel):
    code = peewee.CharField(primary_key=True, max_length=12)  # 12-digit administrative code
    name = peewee.CharField(max_length=64)  # e.g. 南岭镇, 后溪村
    level = peewee.CharField(max_length=10)  # one of LEVELS
    parent = peewee.ForeignKeyField("self", null=True, backref="children", column_name="parent_code", object_id_name="parent_id")
    path = peewee.CharField(max_length=120, index=True)  # "/code/code/.../" for scope checks
    contact_name = peewee.CharField(max_length=32, default="")  # public contact, e.g. the grid worker
    contact_phone = peewee.CharField(max_length=20, default="")  # public, as posted on notice boards
    sort_order = peewee.IntegerField(default=0)

    @classmethod
    def find(cls, code, level):
        """The unit of ``level`` with ``code``, or None for any other input (never raises)."""
        return cls.get_or_none((cls.code == str(code or "")) & (cls.level == level))

    def covers(self, other):
        """True when ``other`` is this unit or lies below it in the tree."""
        return other is not None and other.path.startswith(self.path)

    def village_codes(self):
        """The codes of the villages this unit covers (itself when a village): a township's or the
        county's scope for the pages that list the records behind a dashboard figure."""
        if self.level == "village":
            return [self.code]
        return [c for (c,) in Unit.select(Unit.code).where((Unit.level == "village") & Unit.path.startswith(self.path))
                .order_by(Unit.code).tuples()]

    def ancestors(self):
        codes = [c for c in self.path.strip("/").split("/")][:-1]
        by_code = {u.code: u for u in Unit.select().where(Unit.code.in_(codes))}
        return [by_code[c] for c in codes if c in by_code]

    @property
    def level_name(self):
        return LEVEL_NAMES.get(self.level, self.level)

    def to_api(self):
        return {"code": self.code, "name": self.name, "level": self.level,
                "parent": self.parent_id, "contact_name": self.contact_name,
                "contact_phone": self.contact_phone}


MODELS = [Unit]
