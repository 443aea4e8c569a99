"""Rescheduling: to another offered slot, atomically (the old place is freed only when the new
one is taken), idempotent, by the patient or the treating partner only."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.identity.auth import Role, TokenService
from tests.factories import Dataset
from tests.privacy.people import People
from tests.privacy.test_bookings import _book, _codes, _patient_headers, _role_id, next_monday_slot

MOVE = """
mutation($input: RescheduleAppointmentInput!) { rescheduleAppointment(input: $input) {
  rescheduled slotCheckedAgainst appointment { id slotStart status } } }
"""


async def _move(
    http: Any, appointment_id: str, slot: str, headers: dict[str, str]
) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={
            "query": MOVE,
            "variables": {"input": {"appointmentId": appointment_id, "slotStart": slot}},
        },
        headers=headers,
    )
    body: dict[str, Any] = response.json()
    return body


async def _booked(role_pk: int, slot: str) -> int:
    row = await models.SlotBooking.get_or_none(
        role_id=role_pk, slot_start=datetime.fromisoformat(slot).astimezone(UTC)
    )
    return 0 if row is None else row.booked


async def _book_a(http: Any, ds: Dataset, headers: dict[str, str], slot: str, key: str) -> str:
    body = await _book(
        http,
        {"practitionerRoleId": await _role_id(ds), "slotStart": slot, "idempotencyKey": key},
        headers,
    )
    assert "errors" not in body, body.get("errors")
    appointment_id: str = body["data"]["bookAppointment"]["appointment"]["id"]
    return appointment_id


async def test_patient_moves_a_booking_and_a_retry_changes_nothing(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    headers = _patient_headers(tokens, people.a.id)
    old, new = next_monday_slot(9, 0, weeks=3), next_monday_slot(9, 30, weeks=3)
    appointment_id = await _book_a(http, dataset, headers, old, "move-0001")
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    moved = await _move(http, appointment_id, new, headers)
    assert "errors" not in moved, moved.get("errors")
    payload = moved["data"]["rescheduleAppointment"]
    assert payload["rescheduled"] is True and payload["slotCheckedAgainst"] == "WEEKLY_HOURS"
    assert datetime.fromisoformat(payload["appointment"]["slotStart"]) == datetime.fromisoformat(
        new
    )
    assert payload["appointment"]["id"] == appointment_id
    assert (await _booked(role.pk, old), await _booked(role.pk, new)) == (0, 1)
    again = await _move(http, appointment_id, new, headers)
    assert again["data"]["rescheduleAppointment"]["rescheduled"] is False
    assert (await _booked(role.pk, old), await _booked(role.pk, new)) == (0, 1)
    # Concurrent retries of the same move: one place, one appointment, no error.
    back = await asyncio.gather(*(_move(http, appointment_id, old, headers) for _ in range(10)))
    assert [b.get("errors") for b in back] == [None] * 10
    assert sum(b["data"]["rescheduleAppointment"]["rescheduled"] for b in back) == 1
    assert (await _booked(role.pk, old), await _booked(role.pk, new)) == (1, 0)


async def test_a_taken_slot_keeps_the_old_one(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    a, b = _patient_headers(tokens, people.a.id), _patient_headers(tokens, people.b.id)
    mine, theirs = next_monday_slot(10, 0, weeks=3), next_monday_slot(10, 30, weeks=3)
    appointment_id = await _book_a(http, dataset, a, mine, "taken-0001")
    await _book_a(http, dataset, b, theirs, "taken-0002")
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    refused = await _move(http, appointment_id, theirs, a)
    assert _codes(refused) == ["CONFLICT"]
    assert (await _booked(role.pk, mine), await _booked(role.pk, theirs)) == (1, 1)
    row = await models.Appointment.get(id=int(await _pk(appointment_id)))
    assert row.slot_start == datetime.fromisoformat(mine)
    outside = await _move(http, appointment_id, next_monday_slot(15, 0, weeks=3), a)
    assert _codes(outside) == ["BAD_USER_INPUT"]


async def _pk(global_id: str) -> int:
    from hmsdesk_graph.identity.global_ids import from_global_id

    return from_global_id(global_id)[1]


async def test_only_the_patient_and_the_treating_partner_move_it(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    a = _patient_headers(tokens, people.a.id)
    appointment_id = await _book_a(http, dataset, a, next_monday_slot(11, 0, weeks=3), "who-0001")
    target = next_monday_slot(11, 30, weeks=3)

    def bearer(token: str) -> dict[str, str]:
        return {"authorization": f"Bearer {token}"}

    others = {
        "anonymous": ({}, "UNAUTHENTICATED"),
        "patient B": (_patient_headers(tokens, people.b.id), "NOT_FOUND"),
        "partner Y": (bearer(tokens.mint(Role.PARTNER, partner_id=people.partner_y)), "NOT_FOUND"),
    }
    for who, (headers, code) in others.items():
        assert _codes(await _move(http, appointment_id, target, headers)) == [code], who
    partner = bearer(tokens.mint(Role.PARTNER, partner_id=people.partner_x))
    moved = await _move(http, appointment_id, target, partner)
    assert "errors" not in moved, moved.get("errors")
    assert moved["data"]["rescheduleAppointment"]["rescheduled"] is True
