"""revealContactNumber: routed numbers only, an event per reveal, a per-viewer limit."""

from __future__ import annotations

from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import EventKind
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.sandbox import RunningSandbox
from tests.conftest import GraphQLClient
from tests.factories import SECRET_PHONES, Dataset

REVEAL = "mutation($id: ID!) { revealContactNumber(practitionerRoleId: $id) { number extension expiresAt } }"


async def test_reveal_routes_records_and_limits(
    gql: GraphQLClient, dataset: Dataset, sandbox: RunningSandbox, app: Any
) -> None:
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    role_id = to_global_id("PractitionerRole", role.pk)
    first = await gql.execute(REVEAL, {"id": role_id})
    number = first["data"]["revealContactNumber"]["number"]
    assert number and all(p[-5:] not in str(first) for p in SECRET_PHONES)
    again = await gql.execute(REVEAL, {"id": role_id})
    assert again["data"]["revealContactNumber"]["number"] == number  # reused while valid
    await gql.execute(REVEAL, {"id": role_id})
    limited = await gql.execute(REVEAL, {"id": role_id})
    assert [e["extensions"]["code"] for e in limited["errors"]] == ["RATE_LIMITED"]
    await app.state.events.flush()
    reveals = await models.ListingEvent.filter(kind=EventKind.CONTACT_REVEAL)
    assert [(e.target_id, e.city_id) for e in reveals] == [
        (dataset.profile_id, dataset.city_ids["pune"])
    ] * 3


async def test_reveal_errors(gql: GraphQLClient, dataset: Dataset, sandbox: RunningSandbox) -> None:
    missing = await gql.execute(REVEAL, {"id": to_global_id("PractitionerRole", 999999)})
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    wrong = await gql.execute(REVEAL, {"id": to_global_id("Hospital", 1)})
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    sandbox.faults.route("telephony").set("error_rate", 1.0)
    failed = await gql.execute(REVEAL, {"id": to_global_id("PractitionerRole", role.pk)})
    assert failed["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert failed["data"] is None
