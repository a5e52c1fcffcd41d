"""One row per (rule, object): raised while the rule finds it, cleared (kept, dated) when it no longer does."""
import peewee

from portal.core.db import BaseModel
from portal.core.clock import utcnow
from portal.units.models import Unit


class RedFlag(BaseModel):
    code = peewee.CharField(max_length=64)  # the FlagRule's code, e.g. "projects.single_bid"
    object_type = peewee.CharField(max_length=40)  # record type of the object it is raised on
    object_id = peewee.BigIntegerField()  # that record's id
    village = peewee.ForeignKeyField(Unit, column_name="village_code", object_id_name="village_code")  # scope
    path = peewee.CharField(max_length=120, index=True)  # the village's unit path, for township/county filters
    evidence = peewee.TextField()  # JSON: the facts the rule found (public data only)
    raised_at = peewee.DateTimeField(default=utcnow)  # naive UTC, when last raised
    cleared_at = peewee.DateTimeField(null=True, index=True)  # naive UTC; None while open

    class Meta:
        table_name = "red_flag"
        # the inbox (portal.followups.inbox): open flags newest first, in a scope of villages, by kind
        indexes = ((("code", "object_type", "object_id"), True), (("cleared_at", "raised_at"), False),
                   (("village", "cleared_at", "raised_at"), False), (("code", "cleared_at", "raised_at"), False),
                   (("village", "code"), False))  # and the funnel: flags per village and kind


class RedFlagTally(BaseModel):
    """How many flags were ever raised per village and rule: kept by ``apply_all`` in the transaction that
    inserts them (a row is raised once; clearing and re-raising it is the same flag), so the inspectors'
    funnel need not count 100,000 rows on every view. ``services.rebuild_tally`` recounts it from the rows."""
    village = peewee.ForeignKeyField(Unit, column_name="village_code", object_id_name="village_code")
    code = peewee.CharField(max_length=64)  # the FlagRule's code
    raised = peewee.IntegerField(default=0)  # red_flag rows of this village and code

    class Meta:
        table_name = "red_flag_tally"
        indexes = ((("village", "code"), True),)


MODELS = [RedFlag, RedFlagTally]
