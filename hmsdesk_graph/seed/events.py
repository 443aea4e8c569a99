"""Reach events for the partners' listings: daily stats over ~90 days and a raw-event slice.

What is seeded, and why:

- `daily_stat` rows for every partner listing for each day of the window (`Scale.event_days`
  days ending the day before the reference date): organic impressions (with first-page
  positions) per channel, profile views, contact reveals (practitioners), bookings requested
  and honoured (practitioners and centers), and each campaign's sponsored impressions as
  planned by `seed.delivery` (so they add up to the campaigns' delivered counts).
- `listing_event` rows for the last `Scale.raw_event_days` days only: every stat of those days
  expanded into its individual events (positions summing to the stat's position_sum), spread
  over the IST day. Writing every raw event of 90 days would be tens of millions of rows at
  medium scale; the slice is complete for its days, so `hmsdesk-graph rollup` over the seeded
  events recomputes exactly the seeded stats, and the older days (before the oldest raw event)
  are left alone as if their raw events had been pruned.

Events hold no personal data: listing, channel, city, campaign and position only.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from hmsdesk_graph.seed.chance import stream
from hmsdesk_graph.seed.clock import day
from hmsdesk_graph.seed.delivery import CampaignDelivery
from hmsdesk_graph.seed.drafts import World
from hmsdesk_graph.seed.tables import Row, TableRows
from hmsdesk_graph.workers.rollup import day_start

STAT_COLUMNS = (
    "id", "day", "kind", "target_kind", "target_id", "campaign_id", "channel", "city_id",
    "count", "position_sum", "position_count",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "kind", "occurred_at", "target_kind", "target_id", "campaign_id", "channel", "city_id",
    "position",
)  # fmt: skip
CHANNELS = (("WEB", 0.45), ("MOBILE", 0.55))
# Mean organic impressions a day per unit of popularity, by listing kind.
IMPRESSIONS = {"PRACTITIONER": 12.0, "HOSPITAL": 4.0, "DIAGNOSTIC_CENTER": 10.0}
WEEKDAY = (1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.7)
# A stat cell: day, kind, target kind, target id, campaign (0), channel, city, n, Σpos, #pos.
Cell = tuple[date, str, str, int, int, str, int, int, int, int]


@dataclass(frozen=True)
class Listing:
    kind: str
    id: int
    city_id: int
    popularity: float
    quality: float  # -1.5 .. 1.5
    searchable: bool  # EXPIRED practitioners are not in search results


def _listings(world: World) -> list[Listing]:
    out: list[Listing] = []
    for partner in world.partners:
        for pid in partner.practitioner_ids:
            p = world.practitioners[pid - 1]
            out.append(Listing("PRACTITIONER", pid, p.city + 1, p.popularity, p.quality, p.active))
        for hid in partner.hospital_ids:
            h = world.hospitals[hid - 1]
            out.append(Listing("HOSPITAL", hid, h.city + 1, h.popularity, h.quality, True))
        for cid in partner.center_ids:
            c = world.centers[cid - 1]
            out.append(Listing("DIAGNOSTIC_CENTER", cid, c.city + 1, c.popularity, c.quality, True))
    return out


def _n(rng: random.Random, mean: float) -> int:
    """An integer with the given mean (stochastic rounding)."""
    return int(mean + rng.random()) if mean > 0 else 0


def _channel(rng: random.Random) -> str:
    return CHANNELS[0][0] if rng.random() < CHANNELS[0][1] else CHANNELS[1][0]


@dataclass
class ReachEvents:
    """Generates the stats table, keeping the raw-slice days' cells for the events table."""

    world: World
    deliveries: list[CampaignDelivery]
    first_day: date = field(init=False)
    last_day: date = field(init=False)
    raw_from: date = field(init=False)
    raw_cells: list[Cell] = field(default_factory=list)

    def __post_init__(self) -> None:
        scale = self.world.scale
        self.first_day, self.last_day = day(-scale.event_days), day(-1)
        self.raw_from = day(-scale.raw_event_days)

    def _listing_days(self, listing: Listing, sponsored: list[CampaignDelivery]) -> Iterator[Cell]:
        rng = stream(self.world.seed, f"reach-events/{listing.kind}/{listing.id}")
        kind, pk, city = listing.kind, listing.id, listing.city_id
        lam = IMPRESSIONS[kind] * listing.popularity if listing.searchable else 0.0
        ctr = 0.05 + 0.02 * listing.quality
        mean_position = max(1.0, 6.0 - 3.0 * listing.quality)
        d = self.first_day
        while d <= self.last_day:
            factor = WEEKDAY[d.weekday()] * rng.uniform(0.8, 1.2)
            shown = 0
            for channel, share in CHANNELS:
                n = _n(rng, lam * factor * share)
                if n:
                    shown += n
                    positioned = min(n, _n(rng, 0.8 * n))
                    spread = max(positioned, _n(rng, positioned * mean_position))
                    yield (d, "IMPRESSION", kind, pk, 0, channel, city, n, spread, positioned)
            for plan in sponsored:
                n = plan.by_day.get(d, 0)
                if n:
                    shown += n
                    web = min(n, _n(rng, n * CHANNELS[0][1]))
                    for channel, part in (("WEB", web), ("MOBILE", n - web)):
                        if part:
                            second = min(part, _n(rng, part * 0.45))  # the second slot
                            row = (d, "SPONSORED_IMPRESSION", kind, pk, plan.id, channel)
                            yield (*row, plan.city_id, part, part + second, part)
            views = _n(rng, shown * ctr + (0.3 if not listing.searchable else 0.0))
            if views:
                yield (d, "PROFILE_VIEW", kind, pk, 0, _channel(rng), city, views, 0, 0)
            if kind == "PRACTITIONER":
                reveals = _n(rng, views * 0.1)
                if reveals:
                    yield (d, "CONTACT_REVEAL", kind, pk, 0, _channel(rng), city, reveals, 0, 0)
            if kind != "HOSPITAL":
                booked = _n(rng, views * (0.09 + 0.03 * listing.quality))
                if booked:
                    yield (d, "BOOKING_REQUESTED", kind, pk, 0, _channel(rng), city, booked, 0, 0)
                    honoured = _n(rng, booked * 0.75)
                    if honoured:
                        channel = _channel(rng)
                        yield (d, "BOOKING_HONOURED", kind, pk, 0, channel, city, honoured, 0, 0)
            d += timedelta(days=1)

    def _cells(self) -> Iterator[Cell]:
        by_target: dict[tuple[str, int], list[CampaignDelivery]] = defaultdict(list)
        for plan in self.deliveries:
            by_target[(plan.target_kind, plan.target_id)].append(plan)
        for listing in _listings(self.world):
            yield from self._listing_days(listing, by_target.get((listing.kind, listing.id), []))

    def stat_rows(self) -> TableRows:
        """Daily stats, ids from 1; the raw slice's cells are kept as they go by."""
        days = (self.last_day - self.first_day).days + 1

        def rows() -> Iterator[Row]:
            for i, cell in enumerate(self._cells(), start=1):
                if cell[0] >= self.raw_from:
                    self.raw_cells.append(cell)
                yield (i, *cell)

        estimate = len(_listings(self.world)) * days * 4
        return TableRows("daily_stat", STAT_COLUMNS, rows(), estimate)

    def event_rows(self) -> TableRows:
        """Every event behind the raw slice's stats (call after the stats were written)."""
        total = sum(cell[7] for cell in self.raw_cells)
        return TableRows("listing_event", EVENT_COLUMNS, _expand(self.raw_cells), total)


def _expand(cells: list[Cell]) -> Iterator[Row]:
    next_id = 1
    for d, kind, target_kind, target_id, campaign, channel, city, n, spread, positioned in cells:
        start = day_start(d).astimezone(UTC)  # stored in UTC, as tortoise stores times
        base, extra = divmod(spread, positioned) if positioned else (0, 0)
        for i in range(n):
            # Evenly over the IST day, always inside it.
            at: datetime = start + timedelta(seconds=(i * 86400 + 43200) // n)
            position = (base + (1 if i < extra else 0)) if i < positioned else None
            yield (
                next_id, kind, at, target_kind, target_id, campaign or None, channel,
                city or None, position,
            )  # fmt: skip
            next_id += 1
