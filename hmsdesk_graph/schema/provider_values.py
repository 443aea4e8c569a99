"""Plain values shown on provider profiles: qualifications, accreditations, hours, fees, slots.

They point at no other object type, so they sit below `schema/providers.py` (and the compiled
path builds the same values from here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.loaders.availability import IST
from hmsdesk_graph.schema.money import CURRENCY, rupees, rupees_or_none

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


@strawberry.type
class Qualification:
    degree: str
    college: str | None
    year: int | None


@strawberry.type
class Accreditation:
    name: str
    valid_until: date | None


@strawberry.type
class GeoPoint:
    lat: float
    lng: float


@strawberry.type(description="Opening hours of one session on one weekday (local time).")
class WeeklyHours:
    day: str
    opens: str
    closes: str


@strawberry.type(description="What a consultation at this practice costs.")
class Fees:
    consultation: Decimal
    video: Decimal | None
    currency: str
    follow_up_free_days: int


@strawberry.enum(description="What decided an availability filter, or where shown slots are from.")
class AvailabilitySource(Enum):
    LIVE = strawberry.enum_value("LIVE", description="The practice system, just now.")
    WEEKLY_HOURS = strawberry.enum_value(
        "WEEKLY_HOURS", description="The practice's weekly hours (the practice system failed)."
    )
    CACHED = strawberry.enum_value(
        "CACHED",
        description="The last slots the practice system gave, while it fails: see their"
        " `availabilityAsOf` and the STALE_DATA warning in the response `extensions`.",
    )


@strawberry.type(description="One day's open slots.")
class DayAvailability:
    date: date
    slots: list[datetime]


def weekly_hours_of(hours: Mapping[str, Sequence[Sequence[Any]]]) -> list[WeeklyHours]:
    """Stored hours ({"MON": [["09:00", "13:00"]], ...}) as sessions, Monday first."""
    return [
        WeeklyHours(day=day, opens=str(span[0]), closes=str(span[1]))
        for day in WEEKDAYS
        for span in hours.get(day, [])
    ]


def qualification_list(raw: list[dict[str, Any]]) -> list[Qualification]:
    """Stored qualifications ([{degree, college, year}]) as values."""
    return [
        Qualification(degree=q["degree"], college=q.get("college"), year=q.get("year")) for q in raw
    ]


def experience_years_of(practising_since: int) -> int:
    """Whole calendar years since the practitioner started practising (never negative)."""
    return max(0, datetime.now(UTC).year - practising_since)


def fees_of(row: models.PractitionerRole) -> Fees:
    """A practice's fees in rupees, from its row's paise."""
    return Fees(
        consultation=rupees(row.consultation_fee_paise),
        video=rupees_or_none(row.video_fee_paise),
        currency=CURRENCY,
        follow_up_free_days=row.follow_up_free_days,
    )


def accreditation_list(raw: list[dict[str, Any]]) -> list[Accreditation]:
    """Stored accreditations ([{name, validUntil}]) as values; a missing date stays null."""
    result = []
    for item in raw:
        until = item.get("validUntil")
        result.append(
            Accreditation(
                name=str(item["name"]), valid_until=date.fromisoformat(until) if until else None
            )
        )
    return result


async def role_slots(info: Info, role_id: int) -> tuple[datetime, ...]:
    """The role's slots for this field; kept ones (the practice system failed) are announced
    with a STALE_DATA warning at this field's path, never served silently."""
    ctx = info.context
    slots = await ctx.loaders.slots_by_role_id.load(role_id)
    kept = ctx.loaders.stale_slots.get(role_id)
    if kept is not None:
        ctx.warn_stale(info.path.as_list(), "practice", kept.as_of)
    return slots


def day_availability(
    slots: tuple[datetime, ...], first_day: date, days: int
) -> list[DayAvailability]:
    """Slots grouped by India date, one entry per day of the window (empty days included)."""
    now = datetime.now(UTC)
    by_day: dict[date, list[datetime]] = {first_day + timedelta(days=i): [] for i in range(days)}
    for slot in slots:
        day = slot.astimezone(IST).date()
        if day in by_day and slot > now:
            by_day[day].append(slot)
    return [DayAvailability(date=day, slots=sorted(found)) for day, found in by_day.items()]
