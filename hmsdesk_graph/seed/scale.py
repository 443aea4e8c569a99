"""How much data each seed scale writes."""

from __future__ import annotations

from dataclasses import dataclass

# The cities HMSDESK started in: the first entries of seed/data/geo.json.
FOUNDING_CITIES = 8


@dataclass(frozen=True)
class Scale:
    """The size of one seed scale.

    ``small`` and ``medium`` cover the founding cities only, so their data stays exactly as it
    was when geo.json grew. ``large`` is the national marketplace: every city of geo.json (64)
    and ten times medium's providers, most of them in the cities added for it. Its history per
    entity is thinner than medium's, as it is for a marketplace that has just grown into new
    cities (most of its practitioners were listed recently): 1.5 appointments per practitioner
    over the visits window (medium: 14), 15 per diagnostic center (medium: 60), 750k patients,
    7 days of Reach daily stats (medium: 90) and no raw listing events (the rollup's raw slice
    is seeded at small and medium). That keeps the seed under 10 minutes on two cores. The
    screens the cost-growth line measures (search list, profiles, facets) read providers,
    practices, packages and the denormalised review counters, which all grow tenfold; reviews
    and appointments grow about 1.2x.
    """

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
    # How many cities of seed/data/geo.json, in file order; None: all of them.
    cities: int | None = FOUNDING_CITIES


SCALES: dict[str, Scale] = {
    "small": Scale("small", 2_000, 120, 60, 4_000, 14.0, 60.0),
    "medium": Scale("medium", 100_000, 5_000, 2_000, 200_000, 14.0, 60.0),
    "large": Scale(
        "large",
        1_000_000,
        50_000,
        20_000,
        750_000,
        1.5,
        15.0,
        event_days=7,
        raw_event_days=0,
        cities=None,
    ),
}


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown seed scale {name!r}: use one of {', '.join(SCALES)}") from None
