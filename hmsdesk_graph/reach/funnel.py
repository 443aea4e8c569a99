"""Funnel figures from the daily roll-ups (never from raw events), in grouped statements.

Each function is one statement whatever the number of listings or days: per listing, per
listing and day, and per day with the partner's totals (sponsored impressions are also
counted per campaign).
A partner's own funnel counts of its own listings are exact (no suppression).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hmsdesk_graph.db.enums import EventKind
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.reach.entities import EntityKey, stat_targets
from hmsdesk_graph.workers.rollup import day_param

MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class DateRange:
    """Inclusive IST calendar days."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def each_day(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]


@dataclass
class Funnel:
    """Counts of each event kind, and the organic positions behind the average."""

    counts: dict[EventKind, int] = field(default_factory=dict)
    position_sum: int = 0
    position_count: int = 0
    sponsored_by_campaign: dict[int, int] = field(default_factory=dict)

    def add(
        self, kind: EventKind, count: int, position_sum: int, position_count: int, campaign: int
    ) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + count
        if kind is EventKind.IMPRESSION:
            # Sponsored slots are fixed positions: only organic ranks make the average.
            self.position_sum += position_sum
            self.position_count += position_count
        if kind is EventKind.SPONSORED_IMPRESSION and campaign:
            by = self.sponsored_by_campaign
            by[campaign] = by.get(campaign, 0) + count

    def merge(self, other: Funnel) -> None:
        for kind, count in other.counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + count
        self.position_sum += other.position_sum
        self.position_count += other.position_count
        for campaign, count in other.sponsored_by_campaign.items():
            by = self.sponsored_by_campaign
            by[campaign] = by.get(campaign, 0) + count

    def count(self, kind: EventKind) -> int:
        return self.counts.get(kind, 0)

    @property
    def impressions(self) -> int:
        return self.count(EventKind.IMPRESSION) + self.count(EventKind.SPONSORED_IMPRESSION)

    @property
    def click_through(self) -> float | None:
        """Profile views per impression (null without impressions)."""
        shown = self.impressions
        return round(self.count(EventKind.PROFILE_VIEW) / shown, 4) if shown else None

    @property
    def conversion(self) -> float | None:
        """Bookings requested per profile view (null without views)."""
        views = self.count(EventKind.PROFILE_VIEW)
        return round(self.count(EventKind.BOOKING_REQUESTED) / views, 4) if views else None

    @property
    def average_position(self) -> float | None:
        """Mean first-page organic position (1 = top; null when never on a first page)."""
        if not self.position_count:
            return None
        return round(self.position_sum / self.position_count, 2)


@dataclass
class PartnerDays:
    """The partner's funnel for every day of the range, and over the whole range."""

    daily: list[tuple[date, Funnel]]
    totals: Funnel


def _range(q: SqlBuilder, span: DateRange) -> str:
    return f"s.day >= {day_param(q, span.first)} AND s.day <= {day_param(q, span.last)}"


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


_SUMS = (
    "s.campaign_id AS campaign, SUM(s.count) AS n, SUM(s.position_sum) AS ps,"
    " SUM(s.position_count) AS pc"
)


def _add(funnel: Funnel, row: dict[str, Any]) -> None:
    funnel.add(
        EventKind(row["kind"]), int(row["n"]), int(row["ps"]), int(row["pc"]), int(row["campaign"])
    )


async def load_funnels(keys: Sequence[EntityKey], span: DateRange) -> list[Funnel]:
    """One funnel per listing, in key order (one statement)."""
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT s.target_kind AS tk, s.target_id AS tid, s.kind AS kind, {_SUMS}"
        f" FROM daily_stat s WHERE {stat_targets(q, keys)} AND {_range(q, span)}"
        " GROUP BY s.target_kind, s.target_id, s.kind, s.campaign_id"
    )
    found: dict[tuple[str, int], Funnel] = defaultdict(Funnel)
    for row in rows:
        _add(found[(str(row["tk"]), int(row["tid"]))], row)
    return [found.get((kind.value, pk), Funnel()) for kind, pk in keys]


def _series(span: DateRange, by_day: dict[date, Funnel]) -> list[tuple[date, Funnel]]:
    return [(day, by_day.get(day, Funnel())) for day in span.each_day()]


async def load_partner_days(keys: Sequence[EntityKey], span: DateRange) -> PartnerDays:
    """Every day of the range (zeros included) and the range's totals, over all these
    listings: one scan of their roll-ups (one statement) serves both."""
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT s.day AS day, s.kind AS kind, {_SUMS} FROM daily_stat s"
        f" WHERE {stat_targets(q, keys)} AND {_range(q, span)}"
        " GROUP BY s.day, s.kind, s.campaign_id"
    )
    by_day: dict[date, Funnel] = defaultdict(Funnel)
    totals = Funnel()
    for row in rows:
        _add(by_day[_day(row["day"])], row)
        _add(totals, row)
    return PartnerDays(_series(span, by_day), totals)


async def load_daily_by_entity(
    keys: Sequence[EntityKey], span: DateRange
) -> list[list[tuple[date, Funnel]]]:
    """Every day of the range for each listing, in key order (one statement)."""
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT s.target_kind AS tk, s.target_id AS tid, s.day AS day, s.kind AS kind, {_SUMS}"
        f" FROM daily_stat s WHERE {stat_targets(q, keys)} AND {_range(q, span)}"
        " GROUP BY s.target_kind, s.target_id, s.day, s.kind, s.campaign_id"
    )
    found: dict[tuple[str, int], dict[date, Funnel]] = defaultdict(lambda: defaultdict(Funnel))
    for row in rows:
        _add(found[(str(row["tk"]), int(row["tid"]))][_day(row["day"])], row)
    return [_series(span, found.get((kind.value, pk), {})) for kind, pk in keys]
