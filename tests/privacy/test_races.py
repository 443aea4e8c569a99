"""Races and closed accounts: one transition per appointment, one booking per key, erased
tokens refused — fired concurrently through the endpoint on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import AppointmentStatus
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from tests.factories import Dataset
from tests.privacy.people import People
from tests.privacy.test_bookings import _book, _codes, _patient_headers, _role_id, next_monday_slot

MARK = (
    "mutation($id: ID!, $o: AppointmentOutcome!) {"
    " markAppointment(appointmentId: $id, outcome: $o) { status } }"
)


async def test_ten_concurrent_marks_apply_one_transition(
    http: Any, dataset: Dataset, people: People, tokens: TokenService, app: Any
) -> None:
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    row = await models.Appointment.create(
        role_id=role.pk,
        slot_start=datetime.now(UTC) - timedelta(hours=2),
        status=AppointmentStatus.BOOKED,
        idempotency_key="race-mark-1",
    )
    partner = {"authorization": f"Bearer {tokens.mint(Role.PARTNER, partner_id=people.partner_x)}"}
    outcomes = ["HONOURED", "PATIENT_NO_SHOW"] * 5

    async def mark(outcome: str) -> dict[str, Any]:
        response = await http.post(
            "/graphql",
            json={
                "query": MARK,
                "variables": {"id": to_global_id("Appointment", row.pk), "o": outcome},
            },
            headers=partner,
        )
        body: dict[str, Any] = response.json()
        return body

    results = await asyncio.gather(*(mark(o) for o in outcomes))
    applied = [r["data"]["markAppointment"]["status"] for r in results if not r.get("errors")]
    refused = [r for r in results if r.get("errors")]
    assert len(applied) == 1
    assert all(_codes(r) == ["CONFLICT"] for r in refused) and len(refused) == 9
    await row.refresh_from_db()
    assert row.status.value == applied[0]


async def test_twenty_concurrent_retries_of_one_key_return_the_one_booking(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    headers = _patient_headers(tokens, people.b.id)
    request = {
        "practitionerRoleId": await _role_id(dataset),
        "slotStart": next_monday_slot(11, 0, weeks=2),
        "idempotencyKey": "retry-key-0001",
    }
    results = await asyncio.gather(*(_book(http, request, headers) for _ in range(20)))
    assert [r.get("errors") for r in results] == [None] * 20
    payloads = [r["data"]["bookAppointment"] for r in results]
    assert len({p["appointment"]["id"] for p in payloads}) == 1
    assert sorted(p["created"] for p in payloads) == [False] * 19 + [True]
    assert await models.Appointment.filter(patient_id=people.b.id, status="BOOKED").count() == 1


async def test_an_erased_patients_token_is_refused(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    headers = _patient_headers(tokens, people.a.id)
    before = await models.Appointment.all().count()
    erased = await http.post(
        "/graphql",
        json={"query": "mutation { eraseMyData(confirm: true) { erased } }"},
        headers=headers,
    )
    assert erased.json()["data"]["eraseMyData"] == {"erased": True}
    booked = await _book(
        http,
        {
            "practitionerRoleId": await _role_id(dataset),
            "slotStart": next_monday_slot(12, 0, weeks=2),
            "idempotencyKey": "erased-book-1",
        },
        headers,
    )
    assert _codes(booked) == ["UNAUTHENTICATED"]
    for query in (
        "{ me { name } }",
        "mutation { recordConsent(purpose: MARKETING, granted: true) { granted } }",
        "mutation { exportMyData }",
    ):
        body = (await http.post("/graphql", json={"query": query}, headers=headers)).json()
        assert _codes(body) == ["UNAUTHENTICATED"], query
    assert await models.Appointment.all().count() == before
