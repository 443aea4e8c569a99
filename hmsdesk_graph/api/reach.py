"""Reach root fields and mutations (partners and staff); merged into api.Query / Mutation."""

from __future__ import annotations

import strawberry

from hmsdesk_graph.resolvers.reach import (
    resolve_create_campaign,
    resolve_end_campaign,
    resolve_pause_campaign,
    resolve_reach,
    resolve_reach_campaigns,
    resolve_resume_campaign,
    resolve_upsert_price_packages,
)
from hmsdesk_graph.schema.connection import Connection
from hmsdesk_graph.schema.reach import Campaign, ReachDashboard, UpsertPricePackagesPayload


@strawberry.type
class ReachQuery:
    reach: ReachDashboard | None = strawberry.field(
        resolver=resolve_reach,
        description="PARTNER: your Reach dashboard over `from`..`to` (IST days, at most 366).",
    )
    reach_campaigns: Connection[Campaign] = strawberry.field(
        resolver=resolve_reach_campaigns,
        description="Campaigns, newest first: a partner's own; staff name the partner (slug).",
    )


@strawberry.type
class ReachMutation:
    create_campaign: Campaign = strawberry.field(
        resolver=resolve_create_campaign,
        description="Promote one of your listings in a city (zone or localities) and specialty.",
    )
    pause_campaign: Campaign = strawberry.field(resolver=resolve_pause_campaign)
    resume_campaign: Campaign = strawberry.field(resolver=resolve_resume_campaign)
    end_campaign: Campaign = strawberry.field(resolver=resolve_end_campaign)
    upsert_price_packages: UpsertPricePackagesPayload = strawberry.field(
        resolver=resolve_upsert_price_packages,
        description="PARTNER: create or update your listing's price packages, all or nothing.",
    )
