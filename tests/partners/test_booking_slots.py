"""Booking takes the slots availability offers: live, the last ones shown while the practice
system is down, else the weekly hours — and says which it checked against."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from hmsdesk_graph.db import models
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.loaders.availability import IST
from hmsdesk_graph.sandbox import RunningSandbox
from tests.conftest import GraphQLClient
from tests.factories import Dataset
from tests.partners.conftest import PATIENT_PARTNER_TIMEOUTS

AVAILABILITY = """
query { practitioner(slug: "dr-asha-kulkarni") {
  practices { id availability(days: 7) { date slots } } } }
"""
BOOK = """
mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) {
  created slotCheckedAgainst appointment { slotStart } } }
"""


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def _offered(gql: GraphQLClient) -> tuple[str, list[datetime]]:
    body = await gql.execute(AVAILABILITY)
    assert "errors" not in body, body.get("errors")
    practice = body["data"]["practitioner"]["practices"][0]
    slots = [datetime.fromisoformat(s) for day in practice["availability"] for s in day["slots"]]
    # Tomorrow on: today's first slots may pass while the test runs.
    soon = datetime.now().astimezone() + timedelta(hours=2)
    return practice["id"], [s for s in slots if s > soon]


async def _book(gql: GraphQLClient, role_id: str, slot: datetime, key: str) -> dict[str, Any]:
    return await gql.execute(
        BOOK,
        {
            "input": {
                "practitionerRoleId": role_id,
                "slotStart": slot.isoformat(),
                "idempotencyKey": key,
                "guest": {"name": "Meera Joshi", "phone": f"+9198765{len(key):05d}"},
            }
        },
    )


@pytest.mark.partner_settings(**PATIENT_PARTNER_TIMEOUTS)
async def test_an_offered_slot_books_and_an_unoffered_one_is_refused(
    gql: GraphQLClient, dataset: Dataset
) -> None:
    role_id, offered = await _offered(gql)
    # A quarter-past slot: off the practice's 10-minute grid and its Monday/Saturday hours.
    slot = next(s for s in offered if s.minute % 10 != 0)
    booked = await _book(gql, role_id, slot, "offered-slot-1")
    assert "errors" not in booked, booked.get("errors")
    assert booked["data"]["bookAppointment"]["slotCheckedAgainst"] == "LIVE"
    assert (
        datetime.fromisoformat(booked["data"]["bookAppointment"]["appointment"]["slotStart"])
        == slot
    )
    unoffered = next(
        s + timedelta(minutes=5) for s in offered if s + timedelta(minutes=5) not in offered
    )
    refused = await _book(gql, role_id, unoffered, "unoffered-slot-1")
    assert _codes(refused) == ["BAD_USER_INPUT"]
    assert "availability" in refused["errors"][0]["message"]


async def test_while_the_practice_system_is_down_the_last_offered_slots_count(
    gql: GraphQLClient, dataset: Dataset, sandbox: RunningSandbox
) -> None:
    role_id, offered = await _offered(gql)
    sandbox.faults.route("slots").set("error_rate", 1.0)
    slot = next(s for s in offered if s.minute % 10 != 0)
    booked = await _book(gql, role_id, slot, "down-offered-1")
    assert "errors" not in booked, booked.get("errors")
    assert booked["data"]["bookAppointment"]["slotCheckedAgainst"] == "LAST_KNOWN_AVAILABILITY"
    unoffered = next(
        s + timedelta(minutes=5) for s in offered if s + timedelta(minutes=5) not in offered
    )
    assert _codes(await _book(gql, role_id, unoffered, "down-unoffered-1")) == ["BAD_USER_INPUT"]


async def test_with_nothing_shown_and_the_practice_system_down_weekly_hours_decide(
    gql: GraphQLClient, dataset: Dataset, sandbox: RunningSandbox
) -> None:
    sandbox.faults.route("slots").set("error_rate", 1.0)
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    role_id = to_global_id("PractitionerRole", role.pk)
    now = datetime.now(IST)
    monday = (now + timedelta(days=(7 - now.weekday()) % 7 or 7)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    booked = await _book(gql, role_id, monday, "weekly-hours-1")
    assert "errors" not in booked, booked.get("errors")
    assert booked["data"]["bookAppointment"]["slotCheckedAgainst"] == "WEEKLY_HOURS"
