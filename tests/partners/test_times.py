"""Every instant the API answers is ISO 8601 in UTC (+00:00): slots as well as records."""

from __future__ import annotations

from datetime import datetime

from hmsdesk_graph.loaders.availability import IST
from tests.conftest import GraphQLClient
from tests.factories import Dataset

QUERY = """
query { practitioner(slug: "dr-asha-kulkarni") {
  practices { nextAvailableSlot availability(days: 3) { date slots } } } }
"""
BOOK = """
mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) {
  appointment { slotStart createdAt } } }
"""


async def test_slots_and_records_answer_utc(gql: GraphQLClient, dataset: Dataset) -> None:
    body = await gql.execute(QUERY)
    assert "errors" not in body, body.get("errors")
    practice = body["data"]["practitioner"]["practices"][0]
    slots = [s for day in practice["availability"] for s in day["slots"]]
    assert slots and all(s.endswith("+00:00") for s in slots)
    assert practice["nextAvailableSlot"].endswith("+00:00")
    # A slot sent in India time books, and comes back in UTC.
    ist = datetime.fromisoformat(slots[-1]).astimezone(IST).isoformat()
    assert ist.endswith("+05:30")
    booked = await gql.execute(
        BOOK,
        {
            "input": {
                "practitionerRoleId": (
                    await gql.execute(
                        'query { practitioner(slug: "dr-asha-kulkarni") { practices { id } } }'
                    )
                )["data"]["practitioner"]["practices"][0]["id"],
                "slotStart": ist,
                "idempotencyKey": "utc-times-1",
                "guest": {"name": "Meera Joshi", "phone": "+919876500001"},
            }
        },
    )
    assert "errors" not in booked, booked.get("errors")
    appointment = booked["data"]["bookAppointment"]["appointment"]
    assert appointment["slotStart"] == slots[-1]
    assert appointment["createdAt"].endswith("+00:00")
