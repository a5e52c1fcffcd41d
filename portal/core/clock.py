"""Time as the county lives it: China Standard Time on every page and API, naive UTC in the rows.

Rows store naive UTC because peewee reads offsets back differently on SQLite
and PostgreSQL; ``aware`` puts the offset back. Residents never see UTC: pages
and the API show China time (``+08:00``), one format everywhere (``iso``).
Dates a person types are bounded (1949–2100) in one place, so a year 9999
meeting or ``from=0001-01-01`` never reaches a query or a template.

Audit payloads already sealed in the log keep the format they were sealed
with (``sealed_iso``): ``python -m audit verify`` re-derives old entries with
it, so it must never change.
"""
import datetime

from portal.core.errors import ValidationError
from portal.core.i18n import N_

CST = datetime.timezone(datetime.timedelta(hours=8), "CST")
EARLIEST = datetime.date(1949, 1, 1)
LATEST = datetime.date(2100, 12, 31)


def utcnow():
    """Now as naive UTC with microseconds (replays keep items' real spacing)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def today():
    """The county's calendar date."""
    return datetime.datetime.now(CST).date()


def aware(naive_utc):
    """A stored naive-UTC datetime (or its ISO text) as an aware one; None stays None."""
    if naive_utc is None:
        return None
    if isinstance(naive_utc, str):
        naive_utc = datetime.datetime.fromisoformat(naive_utc)
    return naive_utc if naive_utc.tzinfo else naive_utc.replace(tzinfo=datetime.timezone.utc)


def local(naive_utc):
    """The aware China-time datetime for a stored value (None stays None)."""
    value = aware(naive_utc)
    return value.astimezone(CST) if value else None


_CST_OFFSET = datetime.timedelta(hours=8)


def iso(naive_utc):
    """The one API time format: ``2026-12-02T18:04:05+08:00``, i.e. ``local(naive_utc).isoformat(timespec=
    "seconds")``, written as the naive China time and its fixed offset: a third of the cost, and the
    county's export writes millions (``tests/core/test_clock.py`` compares the two)."""
    if naive_utc is None:
        return None
    if isinstance(naive_utc, str):
        naive_utc = datetime.datetime.fromisoformat(naive_utc)
    if naive_utc.tzinfo is not None:
        naive_utc = naive_utc.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return (naive_utc + _CST_OFFSET).isoformat(timespec="seconds") + "+08:00"


def sealed_iso(naive_utc, utc=False, timespec="auto"):
    """A time in the format an audit payload was sealed with (see the module docstring)."""
    value = aware(naive_utc)
    if value is None:
        return None
    return (value if utc else value.astimezone(CST)).isoformat(timespec=timespec)


def local_text(naive_utc):
    """``2026-03-01 14:05`` in China time, for pages."""
    value = local(naive_utc)
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def local_date(naive_utc):
    """The China calendar date of a stored time."""
    value = local(naive_utc)
    return value.date() if value else None


def date_text(value):
    """A date as ``YYYY-MM-DD``, given as a date or as the text a driver reads (SQLite's, ``db.driver_rows``);
    None stays None."""
    if not value:
        return None
    return value[:10] if isinstance(value, str) else value.isoformat()


def _bounded(day, field, label):
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(f"bad_{field}", N_("%(label)s须在%(earliest)s年至%(latest)s年之间。"),
                              label=label, earliest=EARLIEST.year, latest=LATEST.year)
    return day


def parse_date(value, field, label):
    """A ``YYYY-MM-DD`` string (or date) between 1949 and 2100 as a date; blank gives None."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return _bounded(value, field, label)
    if not isinstance(value, str) or len(value) != 10:
        raise ValidationError(f"bad_{field}", N_("%(label)s格式应为 YYYY-MM-DD。"), label=label)
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"bad_{field}", N_("%(label)s格式应为 YYYY-MM-DD。"), label=label) from None
    return _bounded(day, field, label)


def parse_datetime(value, field, label, example="2026-05-01T09:30"):
    """An ISO 8601 time (China time when it has no offset), bounded, as naive UTC."""
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        if not isinstance(value, str) or len(value) > 40:
            raise ValidationError(f"bad_{field}", N_("%(label)s格式不对，例如 %(example)s。"), label=label,
                                  example=example)
        try:
            parsed = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(f"bad_{field}", N_("%(label)s格式不对，例如 %(example)s。"), label=label,
                                  example=example) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CST)
    _bounded(parsed.date(), field, label)  # before any conversion: 9999-12-31T23:59+00:00 has no +08:00 form
    _bounded(parsed.astimezone(CST).date(), field, label)
    return parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def utc_range(first_day, last_day):
    """China days ``first_day..last_day`` as a naive-UTC half-open range, as times are stored."""
    start = datetime.datetime.combine(first_day, datetime.time(), CST).astimezone(datetime.timezone.utc)
    end = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time(), CST) \
        .astimezone(datetime.timezone.utc)
    return start.replace(tzinfo=None), end.replace(tzinfo=None)
