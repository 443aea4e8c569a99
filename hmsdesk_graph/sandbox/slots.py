"""Deterministic open slots for the practice-management double ("Ray").

Slots depend only on the seed, the role id and the date: 15-minute slots in a role's
morning and/or evening sessions (IST), Sundays mostly closed, some days fully booked.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), "IST")
SLOT = timedelta(minutes=15)
FULLY_BOOKED_SHARE = 0.12

# Consultation sessions by role profile: (start, end) in IST.
_SESSIONS: tuple[tuple[tuple[time, time], ...], ...] = (
    ((time(9, 0), time(13, 0)), (time(17, 0), time(20, 0))),
    ((time(10, 0), time(14, 0)),),
    ((time(16, 0), time(21, 0)),),  # practitioners with a hospital day job
    ((time(9, 30), time(12, 30)), (time(18, 0), time(21, 0))),
)


def known_role(role_id: int) -> bool:
    """Whether the practice system manages this role (some practices are not on Ray)."""
    return role_id > 0 and role_id % 101 != 0


def day_slots(role_id: int, day: date, seed: int) -> list[datetime]:
    """The open slots of one role on one day, in time order."""
    if day.weekday() == 6 and role_id % 5 != 0:
        return []
    rng = random.Random(f"{seed}:slots:{role_id}:{day.isoformat()}")
    if rng.random() < FULLY_BOOKED_SHARE:
        return []
    occupancy = rng.uniform(0.2, 0.8)
    open_slots: list[datetime] = []
    for start, end in _SESSIONS[role_id % len(_SESSIONS)]:
        at = datetime.combine(day, start, IST)
        until = datetime.combine(day, end, IST)
        while at < until:
            if rng.random() >= occupancy:
                open_slots.append(at)
            at += SLOT
    return open_slots


def role_slots(role_id: int, start: date, days: int, seed: int) -> list[datetime]:
    """Open slots of one role over ``days`` days from ``start``."""
    found: list[datetime] = []
    for offset in range(days):
        found.extend(day_slots(role_id, start + timedelta(days=offset), seed))
    return found
