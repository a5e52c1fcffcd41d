"""The unit tree as the dashboard needs it: which villages lie under each county, township and village."""
from collections import defaultdict

from portal.units.models import Unit

LEVELS = ("county", "township", "village")


class Tree:
    """The unit tree as it is now (a few hundred rows): which villages lie under each unit."""

    def __init__(self):
        units = list(Unit.select().where(Unit.level.in_(LEVELS)))
        self.by_code = {u.code: u for u in units}
        self.villages_under = defaultdict(list)
        for unit in units:
            if unit.level != "village":
                continue
            for code in unit.path.strip("/").split("/"):
                if code in self.by_code:
                    self.villages_under[code].append(unit.code)
        for codes in self.villages_under.values():
            codes.sort()

    def units_covering(self, village_codes):
        """The villages and every township and county above them."""
        out = set()
        for code in village_codes:
            unit = self.by_code.get(code)
            if unit is not None:
                out.update(c for c in unit.path.strip("/").split("/") if c in self.by_code)
        return out

    def all_units(self):
        return list(self.by_code)
