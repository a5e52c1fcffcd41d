"""The query-string filters the workbench's lists share: a village within the reader's scope and a
date range. A bad value drops that filter (the list is shown unfiltered), never an error page."""
from portal.core.clock import parse_date
from portal.core.errors import PortalError
from portal.units.models import Unit


def village_in_scope(args, unit):
    village = Unit.find(args.get("village"), "village") if args.get("village") else None
    if village is not None and unit is not None and not unit.covers(village):
        return None
    return village


def date_range(args, from_label, to_label):
    try:
        return parse_date(args.get("from"), "from", from_label), parse_date(args.get("to"), "to", to_label)
    except PortalError:
        return None, None
