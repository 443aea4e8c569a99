"""Reach in the graph: campaigns, the partner dashboard and the price-list input."""

from hmsdesk_graph.schema.reach.campaigns import Campaign, CampaignPacing, CreateCampaignInput
from hmsdesk_graph.schema.reach.dashboard import ReachDashboard, ReachEntity, ReachPartner
from hmsdesk_graph.schema.reach.figures import (
    PeerBenchmark,
    ReachDataQuality,
    ReachDay,
    ReachFunnel,
    ReachReputation,
)
from hmsdesk_graph.schema.reach.prices import (
    PricePackageInput,
    UpsertPricePackagesInput,
    UpsertPricePackagesPayload,
)

__all__ = [
    "Campaign",
    "CampaignPacing",
    "CreateCampaignInput",
    "PeerBenchmark",
    "PricePackageInput",
    "ReachDashboard",
    "ReachDataQuality",
    "ReachDay",
    "ReachEntity",
    "ReachFunnel",
    "ReachPartner",
    "ReachReputation",
    "UpsertPricePackagesInput",
    "UpsertPricePackagesPayload",
]
