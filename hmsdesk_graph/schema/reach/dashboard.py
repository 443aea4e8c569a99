"""The Reach dashboard: a partner's own listings, their funnel, campaigns and reputation.

Every nested field is one call to the dashboard's own loaders (see `reach.loaders`): the
statements a dashboard costs depend on which fields it asks for, never on how many listings
or days it covers.
"""

from __future__ import annotations

from datetime import date

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db.enums import CampaignStatus, TargetKind
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.pagination import Key, scope_of
from hmsdesk_graph.reach.benchmark import BenchmarkKey
from hmsdesk_graph.reach.dashboard import find_entity
from hmsdesk_graph.reach.entities import KIND_ORDER, NODE_TYPE, Entity
from hmsdesk_graph.reach.loaders import ReachScope
from hmsdesk_graph.schema.catalog import specialty_id_for_slug
from hmsdesk_graph.schema.connection import Connection, make_connection
from hmsdesk_graph.schema.providers import Provider, load_provider_of_kind
from hmsdesk_graph.schema.reach.campaigns import Campaign
from hmsdesk_graph.schema.reach.figures import (
    PeerBenchmark,
    ReachDataQuality,
    ReachDay,
    ReachFunnel,
    ReachReputation,
)


@strawberry.type(description="The partner account the dashboard belongs to.")
class ReachPartner:
    slug: str
    name: str


async def _campaigns(
    scope: ReachScope, status: CampaignStatus | None, entity: Entity | None = None
) -> list[Campaign]:
    rows = await scope.campaigns.get()
    if entity is None:
        delivered = (await scope.partner_days.get()).totals.sponsored_by_campaign
    else:
        # The listing's own roll-ups: no scan of every listing for one listing's page.
        delivered = (await scope.funnel_by_entity.load(entity.key)).sponsored_by_campaign
    return [
        Campaign.from_row(row, delivered.get(row.pk, 0))
        for row in rows
        if (status is None or row.status is status)
        and (entity is None or (row.target_kind, row.target_id) == entity.key)
    ]


@strawberry.type(description="One of the partner's own listings, and its figures.")
class ReachEntity:
    id: strawberry.ID = strawberry.field(description="The listing's global ID.")
    kind: TargetKind
    name: str
    slug: str
    _entity: strawberry.Private[Entity]
    _scope: strawberry.Private[ReachScope]

    @classmethod
    def of(cls, entity: Entity, scope: ReachScope) -> ReachEntity:
        return cls(
            id=to_global_id(NODE_TYPE[entity.kind], entity.id),
            kind=entity.kind,
            name=entity.name,
            slug=entity.slug,
            _entity=entity,
            _scope=scope,
        )

    @strawberry.field(description="The listing's public profile.")
    async def provider(self, info: Info) -> Provider | None:
        return await load_provider_of_kind(info, self._entity.kind, self._entity.id)

    @strawberry.field(description="The listing's funnel over the range.")
    async def funnel(self) -> ReachFunnel:
        return ReachFunnel.of(await self._scope.funnel_by_entity.load(self._entity.key))

    @strawberry.field(description="Every day of the range, zeros included.")
    async def daily(self) -> list[ReachDay]:
        return ReachDay.series(await self._scope.daily_by_entity.load(self._entity.key))

    @strawberry.field(description="The listing's campaigns that overlap the range.")
    async def campaigns(self, status: CampaignStatus | None = None) -> list[Campaign]:
        return await _campaigns(self._scope, status, self._entity)

    @strawberry.field
    async def reputation(self) -> ReachReputation:
        rep = await self._scope.reputation_by_entity.load(self._entity.key)
        return ReachReputation.of(rep, self._scope.span)

    @strawberry.field
    async def data_quality(self) -> ReachDataQuality:
        return ReachDataQuality.of(await self._scope.quality_by_entity.load(self._entity))

    @strawberry.field(
        description="Fee percentile and rating against the locality x specialty median;"
        " `specialty` (a slug) overrides the primary specialty (hospitals: none = any)."
    )
    async def benchmark(self, info: Info, specialty: str | None = None) -> PeerBenchmark:
        specialty_id = await specialty_id_for_slug(info, specialty) if specialty else None
        key = BenchmarkKey(self._entity, specialty_id)
        return PeerBenchmark.of(await self._scope.benchmark_by_key.load(key))


@strawberry.type(description="A partner's Reach dashboard over a range of IST days.")
class ReachDashboard:
    from_: date = strawberry.field(name="from")
    to: date
    days: int
    _scope: strawberry.Private[ReachScope]

    @strawberry.field
    def partner(self) -> ReachPartner:
        return ReachPartner(slug=self._scope.partner.slug, name=self._scope.partner.name)

    @strawberry.field(description="All the partner's listings together.")
    async def totals(self) -> ReachFunnel:
        return ReachFunnel.of((await self._scope.partner_days.get()).totals)

    @strawberry.field(description="Every day of the range over all listings, zeros included.")
    async def daily(self) -> list[ReachDay]:
        return ReachDay.series((await self._scope.partner_days.get()).daily)

    @strawberry.field(description="Campaigns that overlap the range, newest first.")
    async def campaigns(self, status: CampaignStatus | None = None) -> list[Campaign]:
        return await _campaigns(self._scope, status)

    @strawberry.field
    async def reputation(self) -> ReachReputation:
        return ReachReputation.of(await self._scope.total_reputation(), self._scope.span)

    @strawberry.field
    async def data_quality(self) -> ReachDataQuality:
        return ReachDataQuality.of(await self._scope.total_quality())

    @strawberry.field(description="The partner's listings by kind and name.")
    def entities(
        self,
        info: Info,
        kind: TargetKind | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ReachEntity]:
        return _entity_page(info, self._scope, kind, first, after)

    @strawberry.field(description="One of the partner's listings (NOT_FOUND for any other).")
    def entity(self, id: strawberry.ID) -> ReachEntity | None:
        return ReachEntity.of(find_entity(self._scope, id), self._scope)


def _entity_page(
    info: Info, scope: ReachScope, kind: TargetKind | None, first: int | None, after: str | None
) -> Connection[ReachEntity]:
    """A keyset page of the listings already loaded for the dashboard (no statement)."""
    ctx = info.context
    list_scope = scope_of("reach.entities", partner=scope.partner.pk, kind=kind)
    page = ctx.cursors.page(list_scope, first, after, ctx.settings)
    listed = [e for e in scope.entities if kind is None or e.kind is kind]

    def key(e: Entity) -> Key:
        return (KIND_ORDER[e.kind], e.name, e.id)

    start = 0
    if page.after is not None:
        after_key = tuple(page.after)
        start = next((i for i, e in enumerate(listed) if key(e) > after_key), len(listed))

    async def count() -> int:
        return len(listed)

    return make_connection(
        listed[start : start + page.first + 1],
        page,
        scope=list_scope,
        codec=ctx.cursors,
        key=key,
        node=lambda e: ReachEntity.of(e, scope),
        count=count,
    )
