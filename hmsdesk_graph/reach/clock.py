"""Reach counts Indian calendar days: campaigns and dashboards use IST (as the roll-up of
listing events does, in workers/rollup.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), "IST")


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_ist(now: datetime | None = None) -> date:
    """Today's date in India."""
    return (now or now_utc()).astimezone(IST).date()
