"""The precomputed figures and the open-data export jobs.

Figures live in ``unit_figure``, one row per (unit, figure key): pages and the
stats API read only these rows, never the domains' tables, so a county page
costs the same as a village page (FixMyStreet's lesson: live statistics must
be precomputed).
"""
import json

import peewee

from portal.core.clock import utcnow
from portal.core.db import BaseModel


class UnitFigure(BaseModel):
    """One figure of one unit, as last computed."""
    unit = peewee.CharField(max_length=12)  # the unit's code (village, township or county)
    key = peewee.CharField(max_length=64)  # the Figure's key, "publications.this_month"
    value = peewee.TextField(null=True)  # JSON of the computed value; NULL when the compute failed
    ok = peewee.BooleanField(default=True)  # False: the domain's compute raised (the page says so)
    started_at = peewee.DateTimeField(default=utcnow)  # when the compute began: an older compute never overwrites
    computed_at = peewee.DateTimeField(default=utcnow)  # when the value was stored (naive UTC)
    computed_on = peewee.DateField()  # the China day it was computed for ("this month" moves at midnight)

    class Meta:
        indexes = ((("unit", "key"), True),)

    @property
    def data(self):
        return None if self.value is None else json.loads(self.value)


class ExportJob(BaseModel):
    """One build of a unit's open-data zip; a ready job serves every download until the data change."""
    unit = peewee.CharField(max_length=12, index=True)  # the unit's code
    status = peewee.CharField(max_length=10, default="building")  # building | ready | failed
    building = peewee.CharField(max_length=12, null=True, unique=True)  # the unit's code while it builds: one build per unit
    stale = peewee.BooleanField(default=False)  # a change reached the unit's villages after the build began
    done = peewee.IntegerField(default=0)  # tables written so far
    total = peewee.IntegerField(default=0)  # tables to write
    path = peewee.CharField(max_length=300, default="")  # the zip in the instance folder
    size = peewee.BigIntegerField(default=0)  # bytes of the zip
    sha256 = peewee.CharField(max_length=64, default="")  # of the zip, for the ETag
    error = peewee.TextField(default="")  # why a build failed (for the operator, not shown publicly)
    created_at = peewee.DateTimeField(default=utcnow)
    finished_at = peewee.DateTimeField(null=True)


MODELS = [UnitFigure, ExportJob]
