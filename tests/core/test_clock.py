"""``iso`` writes what ``local(value).isoformat(timespec="seconds")`` writes, for every form a stored
time comes in: naive UTC datetimes, their text as SQLite's driver gives it, aware datetimes."""
import datetime
import random

from portal.core.clock import date_text, iso, local


def test_iso_equals_the_local_time_isoformat():
    rng = random.Random(5)
    start = datetime.datetime(1950, 1, 1)
    values = [start + datetime.timedelta(seconds=rng.randrange(0, 150 * 365 * 86400), microseconds=rng.randrange(10**6))
              for _ in range(3000)]
    values += [datetime.datetime(2026, 12, 31, 16, 0), datetime.datetime(2026, 12, 31, 15, 59, 59, 999999),
               datetime.datetime(2024, 2, 28, 16, 0), datetime.datetime(2026, 1, 1)]
    for v in values:
        expected = local(v).isoformat(timespec="seconds")
        assert iso(v) == expected
        assert iso(v.isoformat(" ")) == expected and iso(str(v)) == expected  # the driver's text
        assert iso(v.replace(tzinfo=datetime.timezone.utc)) == expected
        other = datetime.timezone(datetime.timedelta(hours=-5))
        assert iso(v.replace(tzinfo=datetime.timezone.utc).astimezone(other)) == expected
    assert iso(None) is None


def test_date_text_reads_dates_and_the_drivers_text():
    assert date_text(datetime.date(2026, 3, 1)) == "2026-03-01" == date_text("2026-03-01")
    assert date_text("2026-03-01 00:00:00") == "2026-03-01"
    assert date_text(None) is None
