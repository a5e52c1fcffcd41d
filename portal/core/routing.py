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


def to_id(value):
    """An id from a URL, a form or a JSON body as an int in 0..MAX_ID, else None.

    ``str.isdigit`` accepts "¹" and "٣" (``int()`` then fails) and any number of digits
    (the database then overflows); this accepts ASCII digits and real ints only.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ID else None
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def ascii_int(text):
    """``text`` as a non-negative int when it is ASCII digits only (at most 18), else None."""
    text = str(text)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
