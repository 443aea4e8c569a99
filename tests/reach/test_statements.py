"""A dashboard's SQL statement count depends on the query's shape only: not on how many
listings the partner has, nor on how many days it covers (it reads the daily roll-ups)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import TargetKind
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.reach.clock import today_ist
from tests.conftest import GraphQLClient
from tests.reach.conftest import run
from tests.reach.test_dashboard import ENTITY, OVERVIEW
from tests.reach.world import ReachWorld, day_range, synthetic_events


async def _statements(
    gql: GraphQLClient, query: str, variables: dict[str, Any], headers: dict[str, str]
) -> int:
    body = await run(gql, query, variables, headers)
    assert "errors" not in body, body["errors"]
    count: int = body["extensions"]["sqlStatements"]
    return count


async def test_same_statements_for_one_listing_or_many_and_7_or_90_days(
    gql: GraphQLClient, app: Any, world: ReachWorld, tokens: TokenService
) -> None:
    z = await models.Partner.create(slug="zen-clinic", name="Zen Clinic")
    await models.Practitioner.filter(id=1050).update(partner_id=z.pk)
    today = today_ist()
    await models.Campaign.create(
        partner_id=z.pk, name="Zen", target_kind=TargetKind.PRACTITIONER, target_id=1050,
        city_id=world.ds.city_ids["pune"], specialty_id=world.ds.specialty_ids["cardiologist"],
        committed_impressions=10_000, starts_on=today - timedelta(days=100),
        ends_on=today + timedelta(days=10),
    )  # fmt: skip
    many = [(TargetKind.PRACTITIONER, pk) for pk in range(1050, 1110)]
    app.state.events.record(synthetic_events(world, 90, extra_keys=many))
    await app.state.events.flush()
    headers = {"authorization": f"Bearer {tokens.mint(Role.PARTNER, partner_id=z.pk)}"}
    entity_vars = {"id": to_global_id("Practitioner", 1050)}

    async def counts() -> dict[str, int]:
        out = {}
        for days in (7, 90):
            first, last = day_range(days)
            span = {"from": first.isoformat(), "to": last.isoformat()}
            out[f"overview {days}"] = await _statements(
                gql, OVERVIEW, {**span, "first": 100}, headers
            )
            out[f"entity {days}"] = await _statements(gql, ENTITY, {**entity_vars, **span}, headers)
        return out

    one = await counts()
    # Sixty more practitioners and a diagnostic center for the same partner.
    await models.Practitioner.filter(id__in=range(1051, 1110)).update(partner_id=z.pk)
    await models.DiagnosticCenter.filter(id=world.ds.center_id).update(partner_id=z.pk)
    several = await counts()
    assert one == several
    assert one["overview 7"] == one["overview 90"]
    assert one["entity 7"] == one["entity 90"]
    # Partner and listings, totals, daily, campaigns (+ city, specialty, provider),
    # reputation (2), data quality (2), entity funnels.
    assert one["overview 90"] <= 14, one
    assert one["entity 90"] <= 14, one
    print("statement counts:", one)
