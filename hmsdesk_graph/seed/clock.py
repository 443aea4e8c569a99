"""The seed's clock: every timestamp is an offset from one reference instant.

The reference is midnight UTC of the day the seed runs (`seed --today` picks another day), so
the demo's slots, reviews and Reach figures sit around the day it is used, not around a fixed
date. Deriving times from that day (never from the wall clock's hours) keeps two runs with the
same seed on the same day identical, row for row.

`set_today` moves the reference; `seed_database` calls it before it plans anything. The
functions below read the current reference at call time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

MINUTE = 60
HOUR = 3600
DAY = 86400
IST_OFFSET = 19800  # India Standard Time is UTC+05:30, with no daylight saving


class _Reference:
    """The reference instant and the values derived from it (one shared, settable state)."""

    def __init__(self, today: date) -> None:
        self.instant = datetime.combine(today, time(), UTC)
        self.date = today
        self.ts = int(self.instant.timestamp())
        local = self.instant + timedelta(seconds=IST_OFFSET)
        since_midnight = local.hour * HOUR + local.minute * MINUTE + local.second
        self.local_day0 = -since_midnight
        self.local_weekday = local.weekday()


_current = _Reference(datetime.now(UTC).date())


def set_today(today: date | None = None) -> date:
    """Place the seed around `today` (default: the current UTC date); returns the day used."""
    global _current
    _current = _Reference(today or datetime.now(UTC).date())
    return _current.date


def reference() -> datetime:
    """The reference instant: midnight UTC starting the seed's day."""
    return _current.instant


def reference_date() -> date:
    return _current.date


def reference_year() -> int:
    return _current.date.year


def local_day0() -> int:
    """Offset of the local (IST) midnight that starts the reference's local date."""
    return _current.local_day0


def local_weekday() -> int:
    """The weekday (Monday = 0) of the reference's local date."""
    return _current.local_weekday


def at(offset_seconds: int) -> datetime:
    """The UTC instant `offset_seconds` after the reference (negative: before)."""
    return datetime.fromtimestamp(_current.ts + offset_seconds, UTC)


def days_before(days: float) -> datetime:
    return _current.instant - timedelta(days=days)


def day(offset_days: int) -> date:
    """The calendar date `offset_days` after the reference date."""
    return _current.date + timedelta(days=offset_days)
