"""One dashboard's data: its partner, range and listings, and its own DataLoaders.

A `ReachScope` is made by the `reach` root field for one request and handed down to every
nested object, so its loaders (and their caches) never outlive the request or serve another
viewer. Each figure is one batched statement for all the listings a query asks about, so a
dashboard's statement count depends on the query's shape, not on its listings or days.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Generic, TypeVar

from strawberry.dataloader import DataLoader

from hmsdesk_graph.db import models
from hmsdesk_graph.reach import benchmark, funnel, quality, reputation
from hmsdesk_graph.reach.entities import Entity, EntityKey

T = TypeVar("T")


class Once(Generic[T]):
    """An awaitable computed at most once, however many fields ask for it."""

    def __init__(self, compute: Callable[[], Awaitable[T]]) -> None:
        self._compute = compute
        self._task: asyncio.Task[T] | None = None

    async def get(self) -> T:
        if self._task is None:
            self._task = asyncio.ensure_future(self._compute())
        return await self._task


@dataclass
class ReachScope:
    """What one `reach(from, to)` field answers about."""

    partner: models.Partner
    span: funnel.DateRange
    entities: list[Entity]
    now: datetime
    today: date
    by_key: dict[EntityKey, Entity] = field(init=False)

    def __post_init__(self) -> None:
        self.by_key = {e.key: e for e in self.entities}

    @property
    def keys(self) -> list[EntityKey]:
        return [e.key for e in self.entities]

    @cached_property
    def partner_days(self) -> Once[funnel.PartnerDays]:
        """Daily series and totals over all the partner's listings (one statement)."""
        return Once(lambda: funnel.load_partner_days(self.keys, self.span))

    @cached_property
    def campaigns(self) -> Once[list[models.Campaign]]:
        return Once(self._load_campaigns)

    async def _load_campaigns(self) -> list[models.Campaign]:
        # Every campaign of the partner that overlaps the range, newest first.
        return await models.Campaign.filter(
            partner_id=self.partner.pk,
            starts_on__lte=self.span.last,
            ends_on__gte=self.span.first,
        ).order_by("-starts_on", "-id")

    @cached_property
    def funnel_by_entity(self) -> DataLoader[EntityKey, funnel.Funnel]:
        return DataLoader(load_fn=lambda keys: funnel.load_funnels(keys, self.span))

    @cached_property
    def daily_by_entity(self) -> DataLoader[EntityKey, list[tuple[date, funnel.Funnel]]]:
        return DataLoader(load_fn=lambda keys: funnel.load_daily_by_entity(keys, self.span))

    @cached_property
    def reputation_by_entity(self) -> DataLoader[EntityKey, reputation.Reputation]:
        return DataLoader(load_fn=lambda keys: reputation.load_reputations(keys, self.span))

    @cached_property
    def quality_by_entity(self) -> DataLoader[Entity, quality.Quality]:
        return DataLoader(load_fn=self._load_quality)

    async def _load_quality(self, entities: Sequence[Entity]) -> list[quality.Quality]:
        return await quality.load_quality(entities, self.now, self.today)

    @cached_property
    def benchmark_by_key(self) -> DataLoader[benchmark.BenchmarkKey, benchmark.Benchmark]:
        return DataLoader(load_fn=benchmark.load_benchmarks)

    async def total_reputation(self) -> reputation.Reputation:
        """Every listing's reputation added up (the same batched statements)."""
        total = reputation.Reputation()
        for one in await self.reputation_by_entity.load_many(self.keys):
            total.merge(one)
        return total

    async def total_quality(self) -> quality.Quality:
        total = quality.Quality()
        for one in await self.quality_by_entity.load_many(self.entities):
            total.merge(one)
        return total
