"""Instant booking is earned by a record, explained by the API, and search follows it at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import AppointmentStatus
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from tests.factories import Dataset
from tests.privacy.people import People

MARK = (
    "mutation($id: ID!, $o: AppointmentOutcome!) {"
    " markAppointment(appointmentId: $id, outcome: $o) { status } }"
)
SEARCH = """
query { searchPractitioners(city: "pune", filter: {instantBooking: true}, first: 100) {
  edges { sponsored node { slug } } } }
"""
PRACTICES = """
query($slug: String!) { practitioner(slug: $slug) {
  practices { instantBooking instantBookingStatus } } }
"""


async def _mark_past(
    http: Any, role_id: int, headers: dict[str, str], outcomes: list[str], tag: str
) -> None:
    now = datetime.now(UTC)
    for i, outcome in enumerate(outcomes):
        row = await models.Appointment.create(
            role_id=role_id,
            slot_start=now - timedelta(hours=i + 1),
            status=AppointmentStatus.BOOKED,
            idempotency_key=f"{tag}-{i}",
        )
        body = (
            await http.post(
                "/graphql",
                json={
                    "query": MARK,
                    "variables": {"id": to_global_id("Appointment", row.pk), "o": outcome},
                },
                headers=headers,
            )
        ).json()
        assert body["data"]["markAppointment"]["status"] == outcome, body


async def _organic_slugs(http: Any) -> set[str]:
    body = (await http.post("/graphql", json={"query": SEARCH})).json()
    edges = body["data"]["searchPractitioners"]["edges"]
    return {e["node"]["slug"] for e in edges if not e["sponsored"]}


async def _practice(http: Any, slug: str) -> dict[str, Any]:
    body = (
        await http.post("/graphql", json={"query": PRACTICES, "variables": {"slug": slug}})
    ).json()
    practice: dict[str, Any] = body["data"]["practitioner"]["practices"][0]
    return practice


async def test_losing_instant_booking_leaves_the_instant_search_at_once(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    partner = {"authorization": f"Bearer {tokens.mint(Role.PARTNER, partner_id=people.partner_x)}"}
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    assert dataset.profile_slug in await _organic_slugs(http)
    assert await _practice(http, dataset.profile_slug) == {
        "instantBooking": True,
        "instantBookingStatus": "EARNED",
    }
    await _mark_past(http, role.pk, partner, ["PROVIDER_NO_SHOW"] * 3 + ["HONOURED"] * 7, "low")
    await role.refresh_from_db()
    assert role.instant_eligible is False
    assert dataset.profile_slug not in await _organic_slugs(http)
    assert await _practice(http, dataset.profile_slug) == {
        "instantBooking": False,
        "instantBookingStatus": "LOW_HONOURED_RATE",
    }


async def test_instant_booking_needs_a_record(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    partner = {"authorization": f"Bearer {tokens.mint(Role.PARTNER, partner_id=people.partner_x)}"}
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    await models.PractitionerRole.filter(id=role.pk).update(instant_eligible=False)
    await models.Appointment.filter(role_id=role.pk).delete()
    # Two honoured visits are not a record: below the minimum the flag stays off.
    await _mark_past(http, role.pk, partner, ["HONOURED"] * 2, "few")
    await role.refresh_from_db()
    assert role.instant_eligible is False
    assert await _practice(http, dataset.profile_slug) == {
        "instantBooking": False,
        "instantBookingStatus": "TOO_FEW_OUTCOMES",
    }
    await _mark_past(http, role.pk, partner, ["HONOURED"] * 8, "more")
    await role.refresh_from_db()
    assert role.instant_eligible is True
    assert dataset.profile_slug in await _organic_slugs(http)
    assert (await _practice(http, dataset.profile_slug))["instantBookingStatus"] == "EARNED"
