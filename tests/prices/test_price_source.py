"""Every price says who provided it and when; a price without a date is not called fresh."""

from __future__ import annotations

from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.identity.global_ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import Dataset
from tests.reach.conftest import Viewers, run
from tests.reach.world import ReachWorld

SOURCE = "source { origin partner fetchedAt validUntil freshness stale }"
UPSERT = f"""
mutation($input: UpsertPricePackagesInput!) {{
  upsertPricePackages(input: $input) {{ packages {{ name {SOURCE} }} }}
}}
"""
CENTER = f"""
query($slug: String!) {{
  diagnosticCenter(slug: $slug) {{ pricePackages {{ name {SOURCE} }} }}
}}
"""
FEES = f"""
query($slug: String!) {{
  practitioner(slug: $slug) {{ pricePackages(kind: CONSULTATION) {{ name {SOURCE} }} }}
}}
"""


async def test_a_partners_own_prices_name_the_partner(
    gql: GraphQLClient, world: ReachWorld, viewers: Viewers
) -> None:
    package = {
        "externalRef": "cbc-home",
        "name": "CBC at home",
        "kind": "LAB_TEST",
        "priceMin": "250",
        "priceMax": "300",
        "labTests": ["cbc"],
    }
    variables = {
        "input": {
            "provider": to_global_id("DiagnosticCenter", world.ds.center_id),
            "packages": [package],
        }
    }
    body = await run(gql, UPSERT, variables, viewers.x)
    assert "errors" not in body, body["errors"]
    partner = await models.Partner.get(id=world.x)
    (saved,) = body["data"]["upsertPricePackages"]["packages"]
    assert saved["source"]["origin"] == "PARTNER"
    assert saved["source"]["partner"] == partner.name
    assert saved["source"]["fetchedAt"] and saved["source"]["freshness"] == "FRESH"
    assert saved["source"]["stale"] is False

    # Read back publicly, beside the feed's prices: each names its partner.
    public = await gql.execute(CENTER, {"slug": world.ds.center_slug})
    sources = {p["name"]: p["source"] for p in public["data"]["diagnosticCenter"]["pricePackages"]}
    assert sources["CBC at home"]["partner"] == partner.name
    fed = [s for s in sources.values() if s["origin"] == "PARTNER_FEED"]
    assert fed and all(s["partner"] for s in fed)
    assert {s["freshness"] for s in fed} <= {"FRESH", "STALE"}


async def test_a_fee_without_a_date_is_of_unknown_freshness(
    gql: GraphQLClient, dataset: Dataset
) -> None:
    body = await gql.execute(FEES, {"slug": dataset.profile_slug})
    fees = body["data"]["practitioner"]["pricePackages"]
    assert fees
    for fee in fees:
        source: dict[str, Any] = fee["source"]
        assert source["fetchedAt"] is None
        assert (source["origin"], source["partner"]) == ("LISTING", None)
        assert source["freshness"] == "UNKNOWN"
        assert source["stale"] is False  # deprecated and unchanged: read freshness
