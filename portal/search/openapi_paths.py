"""The search part of the OpenAPI document."""
from portal.core.openapi import INTEGER, STRING, TIME, array, obj, operation, param

_FACET = array(obj(("value", "label", "count"), value={"type": ["string", "integer"]}, label=STRING,
                   count=INTEGER))
_DAY = {"type": "string", "format": "date", "description": "YYYY-MM-DD, 1949–2100"}

PATHS = {"/api/v1/search": {"get": operation(
    "Full-text search over everything public (Chinese analyzer), with facets", "search",
    params=[param("q"), param("type"), param("township"), param("village"), param("category"),
            param("from", schema=_DAY), param("to", schema=_DAY),
            param("page", schema={"type": "integer", "minimum": 1, "maximum": 1000})],
    response=obj(("total", "page", "pages", "facets", "results"), total=INTEGER, page=INTEGER, pages=INTEGER,
                 facets={"type": "object", "additionalProperties": _FACET},
                 results=array(obj(("type", "id", "title", "url", "snippet", "village", "published_at"),
                                   type=STRING, id=INTEGER, title=STRING, url=STRING,
                                   snippet={"type": "string", "description": "HTML: escaped text, <mark> on matches"},
                                   village={"type": ["string", "null"]}, village_name=STRING,
                                   category={"type": ["string", "null"]}, published_at=TIME))))}}
