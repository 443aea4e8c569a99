"""Reach campaigns in the graph: the campaign, its pacing, and the inputs that change it."""

from __future__ import annotations

from datetime import date

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import CampaignStatus, TargetKind
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.reach.clock import now_utc
from hmsdesk_graph.reach.placement import PacingState, pacing_of
from hmsdesk_graph.schema.catalog import City, Locality, Specialty
from hmsdesk_graph.schema.columns import columns
from hmsdesk_graph.schema.linked import linked
from hmsdesk_graph.schema.providers import Provider, load_provider_of_kind

strawberry.enum(CampaignStatus, description="ACTIVE serves within its dates; ENDED is final.")
strawberry.enum(PacingState, description="How delivery compares with an even pace.")


@strawberry.type(description="Delivery against the commitment and against an even pace.")
class CampaignPacing:
    state: PacingState
    elapsed_fraction: float = strawberry.field(
        description="Share of the campaign's time (00:00 IST first day to 24:00 last) passed."
    )
    paced_target: int = strawberry.field(
        description="ceil(committed x elapsed fraction): the most it may have delivered by now."
    )
    delivered_percent: float = strawberry.field(description="Delivered / committed, in %.")
    pace_percent: int | None = strawberry.field(
        description="Delivered / paced target, in %; null before the campaign starts."
    )


@strawberry.type(description="A Reach campaign: where, when and how much a listing is promoted.")
class Campaign:
    id: strawberry.ID
    name: str
    status: CampaignStatus
    target_kind: TargetKind
    zone: str | None
    committed_impressions: int
    delivered_impressions: int = strawberry.field(
        description="Sponsored impressions delivered over the campaign's life."
    )
    delivered_in_range: int | None = strawberry.field(
        description="Sponsored impressions within the dashboard's range (null elsewhere)."
    )
    starts_on: date
    ends_on: date
    _row: strawberry.Private[models.Campaign]

    @classmethod
    def from_row(cls, row: models.Campaign, delivered_in_range: int | None = None) -> Campaign:
        return cls(
            id=to_global_id("Campaign", row.pk),
            **columns(
                row,
                "name",
                "status",
                "target_kind",
                "zone",
                "starts_on",
                "ends_on",
                "committed_impressions",
                "delivered_impressions",
            ),
            delivered_in_range=delivered_in_range,
            _row=row,
        )

    @strawberry.field(description="The promoted practitioner, hospital or diagnostic center.")
    async def provider(self, info: Info) -> Provider | None:
        return await load_provider_of_kind(info, self._row.target_kind, self._row.target_id)

    @strawberry.field
    async def city(self, info: Info) -> City | None:
        return await linked(info.context.loaders.city_by_id, self._row.city_id, City.from_row)

    @strawberry.field(description="Targeted localities (empty: the zone, or the whole city).")
    async def localities(self, info: Info) -> list[Locality]:
        rows = await info.context.loaders.locality_by_id.load_many(list(self._row.locality_ids))
        return [Locality.from_row(r) for r in rows if r is not None]

    @strawberry.field(description="Targeted specialty (null: searches of any specialty).")
    async def specialty(self, info: Info) -> Specialty | None:
        loader = info.context.loaders.specialty_by_id
        return await linked(loader, self._row.specialty_id, Specialty.from_row)

    @strawberry.field
    def pacing(self) -> CampaignPacing:
        r = self._row
        p = pacing_of(
            r.status.value,
            r.committed_impressions,
            r.delivered_impressions,
            r.starts_on,
            r.ends_on,
            now_utc(),
        )
        fields = ("state", "elapsed_fraction", "paced_target", "delivered_percent", "pace_percent")
        return CampaignPacing(**columns(p, *fields))


@strawberry.input(description="A new campaign; it serves from startsOn (00:00 IST).")
class CreateCampaignInput:
    name: str
    provider: strawberry.ID = strawberry.field(
        description="The ID of one of your practitioners, hospitals or diagnostic centers."
    )
    city: str = strawberry.field(description="City slug: the listing's own city.")
    committed_impressions: int
    starts_on: date
    ends_on: date
    zone: str | None = strawberry.field(default=None, description="A Reach zone of the city.")
    localities: list[str] = strawberry.field(
        default_factory=list, description="Locality slugs (instead of a zone; none: the city)."
    )
    specialty: str | None = strawberry.field(
        default=None, description="Specialty slug (none: searches of any specialty)."
    )
    partner: str | None = strawberry.field(
        default=None, description="Staff only: the partner's slug."
    )
