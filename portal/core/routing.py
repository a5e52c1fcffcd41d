"""URL converters shared by every route: an id in a URL is a bounded integer.

Werkzeug's ``int`` converter accepts any number of digits, so
``/p/99999999999999999999999`` reached peewee and SQLite answered with an
``OverflowError`` (PostgreSQL's ``integer`` columns with a ``DataError`` past
2³¹−1): a 500 on ordinary bad input. Registering the bounded converter under
the name ``int`` makes every ``<int:…>`` route on the app refuse such a URL
with a 404 before its view runs, without a check in each view.
"""
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest value an id column holds on PostgreSQL (int4) and SQLite alike


class BoundedIntConverter(IntegerConverter):
    """``<int:name>``: 0 ≤ value ≤ MAX_ID, at most 10 digits, otherwise no match (404)."""

    regex = r"\d{1,10}"

    def __init__(self, map, fixed_digits=0, min=0, max=MAX_ID, signed=False):
        ceiling = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=ceiling, signed=False)


def init_app(app):
    """Call before any blueprint is registered: rules resolve their converter when added."""
    app.url_map.converters["int"] = BoundedIntConverter
