"""The seed's fixed clock: every timestamp is an offset from one reference instant.

Deriving times from a constant (never from the wall clock) is what makes two runs with the
same seed write identical rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

REFERENCE = datetime(2026, 11, 1, tzinfo=UTC)
REFERENCE_DATE = REFERENCE.date()
REFERENCE_TS = int(REFERENCE.timestamp())
REFERENCE_YEAR = REFERENCE.year

MINUTE = 60
HOUR = 3600
DAY = 86400
IST_OFFSET = 19800  # India Standard Time is UTC+05:30, with no daylight saving


def at(offset_seconds: int) -> datetime:
    """The UTC instant `offset_seconds` after the reference (negative: before)."""
    return datetime.fromtimestamp(REFERENCE_TS + offset_seconds, UTC)


def days_before(days: float) -> datetime:
    return REFERENCE - timedelta(days=days)


def day(offset_days: int) -> date:
    """The calendar date `offset_days` after the reference date."""
    return REFERENCE_DATE + timedelta(days=offset_days)


def _local_day0() -> tuple[int, int]:
    local = REFERENCE + timedelta(seconds=IST_OFFSET)
    since_midnight = local.hour * HOUR + local.minute * MINUTE + local.second
    return -since_midnight, local.weekday()


# Offset of the local (IST) midnight that starts the reference's local date, and its weekday.
LOCAL_DAY0, LOCAL_WEEKDAY = _local_day0()
