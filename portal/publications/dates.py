"""Dates as the county lives them (China Standard Time), stored as naive UTC.

公示 periods are local calendar days, so "is the period running" is decided on
the county's date, not the server's.
"""
import datetime

from portal.errors import ValidationError

CST = datetime.timezone(datetime.timedelta(hours=8), "CST")


def today():
    return datetime.datetime.now(CST).date()


def aware(naive_utc):
    """A stored naive-UTC datetime as an aware one (None stays None)."""
    if naive_utc is None:
        return None
    if isinstance(naive_utc, str):
        naive_utc = datetime.datetime.fromisoformat(naive_utc)
    return naive_utc.replace(tzinfo=datetime.timezone.utc)


def iso(naive_utc):
    """ISO 8601 with offset, in local time (API convention)."""
    value = aware(naive_utc)
    return value.astimezone(CST).isoformat() if value else None


def local_text(naive_utc):
    """``2026-03-01 14:05`` in local time, for pages."""
    value = aware(naive_utc)
    return value.astimezone(CST).strftime("%Y-%m-%d %H:%M") if value else ""


def date_text(value):
    return value.isoformat() if value else None


def parse_date(value, field, label):
    """A ``YYYY-MM-DD`` string (or date) as a date; blank gives None."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or len(value) > 10:
        raise ValidationError(f"bad_{field}", f"{label}格式应为 YYYY-MM-DD。")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"bad_{field}", f"{label}格式应为 YYYY-MM-DD。") from None


def utc_range(first_day, last_day):
    """Local days ``first_day..last_day`` as a naive-UTC half-open range, as published_at is stored."""
    start = datetime.datetime.combine(first_day, datetime.time(), CST).astimezone(datetime.timezone.utc)
    end = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time(), CST) \
        .astimezone(datetime.timezone.utc)
    return start.replace(tzinfo=None), end.replace(tzinfo=None)
