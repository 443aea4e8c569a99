"""Campaigns managed by their partner (own only) and by staff; checks that say what to fix."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from typing import Any

import pytest

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import PractitionerStatus
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.reach.campaigns import CampaignDraft
from hmsdesk_graph.reach.clock import today_ist
from hmsdesk_graph.schema.reach import CreateCampaignInput
from tests.conftest import GraphQLClient
from tests.reach.conftest import Viewers, codes, run
from tests.reach.world import ReachWorld

CREATE = """
mutation($input: CreateCampaignInput!) {
  createCampaign(input: $input) {
    id name status zone committedImpressions deliveredImpressions startsOn endsOn
    city { slug } localities { slug } specialty { slug }
    provider { ... on Practitioner { slug } ... on DiagnosticCenter { slug } }
    pacing { state pacedTarget }
  }
}
"""
CHANGE = "mutation($id: ID!) {{ {field}(id: $id) {{ id status }} }}"
LIST = """
query($partner: String) {
  reachCampaigns(partner: $partner, first: 10) { totalCount edges { node { name status } } }
}
"""


def _input(**overrides: Any) -> dict[str, Any]:
    today = today_ist()
    values: dict[str, Any] = {
        "name": "Heart care in Kothrud",
        "provider": to_global_id("Practitioner", 1000),
        "city": "pune",
        "zone": "pune-west",
        "specialty": "cardiologist",
        "committedImpressions": 50_000,
        "startsOn": (today + timedelta(days=1)).isoformat(),
        "endsOn": (today + timedelta(days=30)).isoformat(),
    }
    values.update(overrides)
    return values


async def _create(gql: GraphQLClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    return await run(gql, CREATE, {"input": _input(**overrides)}, headers)


async def _change(
    gql: GraphQLClient, field: str, campaign_id: str, headers: dict[str, str]
) -> dict[str, Any]:
    return await run(gql, CHANGE.format(field=field), {"id": campaign_id}, headers)


async def test_partner_creates_and_manages_its_campaign(
    gql: GraphQLClient, world: ReachWorld, viewers: Viewers
) -> None:
    body = await _create(gql, viewers.x)
    assert "errors" not in body, body["errors"]
    campaign = body["data"]["createCampaign"]
    assert campaign["status"] == "ACTIVE" and campaign["zone"] == "pune-west"
    assert campaign["city"] == {"slug": "pune"} and campaign["localities"] == []
    assert campaign["specialty"] == {"slug": "cardiologist"}
    assert campaign["provider"] == {"slug": world.ds.profile_slug}
    assert campaign["pacing"] == {"state": "SCHEDULED", "pacedTarget": 0}
    cid = campaign["id"]
    steps = [
        ("pauseCampaign", "PAUSED"),
        ("pauseCampaign", "PAUSED"),  # repeating a change changes nothing
        ("resumeCampaign", "ACTIVE"),
        ("resumeCampaign", "ACTIVE"),
        ("endCampaign", "ENDED"),
        ("endCampaign", "ENDED"),
    ]
    for field, status in steps:
        result = await _change(gql, field, cid, viewers.x)
        assert result["data"][field]["status"] == status, result
    for field in ("pauseCampaign", "resumeCampaign"):
        assert codes(await _change(gql, field, cid, viewers.x)) == ["CONFLICT"]
    listed = (await run(gql, LIST, {}, viewers.x))["data"]["reachCampaigns"]
    assert [e["node"]["name"] for e in listed["edges"]] == [
        "Heart care in Kothrud",
        "Cardiology in Kothrud",
    ]
    assert listed["totalCount"] == 2


async def test_another_partners_campaign_is_not_found(
    gql: GraphQLClient, world: ReachWorld, viewers: Viewers
) -> None:
    theirs = str(to_global_id("Campaign", world.x_campaign))
    missing = str(to_global_id("Campaign", 999_999))
    for field in ("pauseCampaign", "resumeCampaign", "endCampaign"):
        other = await _change(gql, field, theirs, viewers.y)
        absent = await _change(gql, field, missing, viewers.y)
        assert codes(other) == codes(absent) == ["NOT_FOUND"]
        assert other["errors"][0]["message"] == absent["errors"][0]["message"]
    assert (await models.Campaign.get(id=world.x_campaign)).status.value == "ACTIVE"
    # Promoting another partner's listing looks like promoting a missing one.
    other_listing = await _create(gql, viewers.y)
    nowhere = await _create(gql, viewers.y, provider=to_global_id("Practitioner", 99_999))
    assert codes(other_listing) == codes(nowhere) == ["NOT_FOUND"]
    listed = (await run(gql, LIST, {}, viewers.y))["data"]["reachCampaigns"]
    assert [e["node"]["name"] for e in listed["edges"]] == ["Bandra clinic"]
    assert codes(await run(gql, LIST, {"partner": "aarogya-group"}, viewers.y)) == ["NOT_FOUND"]


async def test_staff_manage_any_partners_campaigns(
    gql: GraphQLClient, world: ReachWorld, viewers: Viewers
) -> None:
    assert codes(await _create(gql, viewers.staff)) == ["BAD_USER_INPUT"]  # which partner?
    body = await _create(gql, viewers.staff, partner="aarogya-group")
    assert body["data"]["createCampaign"]["status"] == "ACTIVE"
    wrong = await _create(gql, viewers.staff, partner="bandra-care")
    assert codes(wrong) == ["BAD_USER_INPUT"]
    assert "not one of this partner's listings" in wrong["errors"][0]["message"]
    cid = str(to_global_id("Campaign", world.y_campaign))
    assert (await _change(gql, "pauseCampaign", cid, viewers.staff))["data"]["pauseCampaign"][
        "status"
    ] == "PAUSED"
    listed = await run(gql, LIST, {"partner": "bandra-care"}, viewers.staff)
    assert listed["data"]["reachCampaigns"]["totalCount"] == 1
    assert codes(await run(gql, LIST, {}, viewers.staff)) == ["BAD_USER_INPUT"]


async def test_patients_and_anonymous_cannot_manage_campaigns(
    gql: GraphQLClient, world: ReachWorld, viewers: Viewers
) -> None:
    cid = str(to_global_id("Campaign", world.x_campaign))
    assert codes(await _create(gql, viewers.patient)) == ["FORBIDDEN"]
    assert codes(await _change(gql, "endCampaign", cid, viewers.patient)) == ["FORBIDDEN"]
    assert codes(await _change(gql, "endCampaign", cid, viewers.anonymous)) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("overrides", "argument", "words"),
    [
        ({"city": "atlantis"}, "city", "Unknown city"),
        ({"city": "mumbai", "zone": None}, "city", "its own city"),
        ({"localities": ["kothrud"]}, "zone", "either a zone or localities"),
        ({"zone": "pune-north"}, "zone", "use one of pune-west"),
        ({"zone": None, "localities": ["bandra-west"]}, "localities", "bandra-west"),
        ({"specialty": "dermatologist"}, "specialty", "target one of theirs (cardiologist)"),
        ({"specialty": "astrology"}, "specialty", "Unknown specialty"),
        ({"committedImpressions": 10}, "committedImpressions", "between 1,000"),
        ({"startsOn": "2020-01-01"}, "startsOn", "in the past"),
        ({"endsOn": "2020-01-01"}, "endsOn", "on or after startsOn"),
        ({"name": "  "}, "name", "3 to 160"),
        ({"provider": "bm9wZTox"}, "id", "not a valid ID"),
    ],
)
async def test_bad_campaigns_say_what_to_fix(
    gql: GraphQLClient,
    world: ReachWorld,
    viewers: Viewers,
    overrides: dict[str, Any],
    argument: str,
    words: str,
) -> None:
    body = await _create(gql, viewers.x, **overrides)
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert words in body["errors"][0]["message"]
    assert await models.Campaign.all().count() == 2  # nothing was created


async def test_long_campaigns_expired_practitioners_and_centers(
    gql: GraphQLClient, world: ReachWorld, viewers: Viewers
) -> None:
    today = today_ist()
    too_long = await _create(gql, viewers.x, endsOn=(today + timedelta(days=400)).isoformat())
    assert codes(too_long) == ["BAD_USER_INPUT"] and "366 days" in too_long["errors"][0]["message"]
    await models.Practitioner.filter(id=1000).update(status=PractitionerStatus.EXPIRED)
    expired = await _create(gql, viewers.x)
    assert codes(expired) == ["BAD_USER_INPUT"] and "expired" in expired["errors"][0]["message"]
    center = to_global_id("DiagnosticCenter", world.ds.center_id)
    with_specialty = await _create(gql, viewers.x, provider=center)
    assert "takes no specialty" in with_specialty["errors"][0]["message"]
    ok = await _create(gql, viewers.x, provider=center, specialty=None, zone=None,
                       localities=["kothrud"])  # fmt: skip
    assert ok["data"]["createCampaign"]["localities"] == [{"slug": "kothrud"}]


def test_create_campaign_input_carries_exactly_the_draft_fields() -> None:
    # resolve_create_campaign builds the draft from the input's fields by name.
    names = [f.name for f in fields(CreateCampaignInput)]
    assert names == [f.name for f in fields(CampaignDraft)]
