"""How much data each seed scale writes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    practitioners: int
    hospitals: int
    centers: int
    patients: int
    # Mean appointments per practitioner (over all their practices) and per diagnostic center,
    # over the ~18 months before the reference date and two weeks after it.
    visits_per_practitioner: float
    visits_per_center: float
    # Reach: days of daily stats before the reference date, and the last days of them that
    # also get their raw listing events (see seed.events).
    event_days: int = 90
    raw_event_days: int = 1


SCALES: dict[str, Scale] = {
    "small": Scale("small", 2_000, 120, 60, 4_000, 14.0, 60.0),
    "medium": Scale("medium", 100_000, 5_000, 2_000, 200_000, 14.0, 60.0),
}


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown seed scale {name!r}: use one of {', '.join(SCALES)}") from None
