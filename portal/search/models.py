"""Refused search documents, kept so a published record never vanishes from search silently."""
import peewee

from portal.core.clock import utcnow
from portal.core.db import BaseModel


class SearchRefusal(BaseModel):
    """The index's gate refused this record's document: it is public but not findable.

    One row per document (the latest reason); the row goes when the document is
    indexed or stops being public. Shown to the record's clerk and to the admin.
    """
    doc_type = peewee.CharField(max_length=40)
    object_id = peewee.CharField(max_length=64)
    reason = peewee.TextField()
    refused_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("doc_type", "object_id"), True),)


MODELS = [SearchRefusal]
