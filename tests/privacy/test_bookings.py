"""Bookings: atomic capacity, idempotency, guests, validation, no-show pause, instant booking."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import AppointmentStatus, BookingMode
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.search.practitioners import IST
from tests.factories import Dataset
from tests.privacy.people import People

BOOK = """
mutation Book($input: BookAppointmentInput!) {
  bookAppointment(input: $input) {
    created
    appointment { id status confirmed slotStart patientName patientPhone }
  }
}
"""


def next_monday_slot(hour: int = 9, minute: int = 0, weeks: int = 1) -> str:
    """A slot inside the dataset's Monday hours, a Monday beyond the practice system's 7-day
    window (8 to 14 days ahead, `weeks` = 1), where the weekly hours decide: inside it, a
    practice on the sandbox offers open slots that change with the date."""
    today = datetime.now(IST)
    days = (7 - today.weekday()) % 7 or 7
    day = (today + timedelta(days=days + 7 * weeks)).replace(
        hour=hour, minute=minute, second=0, microsecond=0
    )
    return day.isoformat()


async def _role_id(ds: Dataset) -> str:
    role = await models.PractitionerRole.get(practitioner_id=ds.profile_id)
    return to_global_id("PractitionerRole", role.pk)


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def _book(
    http: Any, variables: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    response = await http.post(
        "/graphql", json={"query": BOOK, "variables": {"input": variables}}, headers=headers or {}
    )
    body: dict[str, Any] = response.json()
    return body


def _patient_headers(tokens: TokenService, patient_id: int) -> dict[str, str]:
    return {"authorization": f"Bearer {tokens.mint(Role.PATIENT, patient_id=patient_id)}"}


async def test_patient_books_and_retries_book_once(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    headers = _patient_headers(tokens, people.a.id)
    request = {
        "practitionerRoleId": await _role_id(dataset),
        "slotStart": next_monday_slot(),
        "idempotencyKey": "key-0001-abc",
    }
    results = [await _book(http, request, headers) for _ in range(3)]
    assert [r["data"]["bookAppointment"]["created"] for r in results] == [True, False, False]
    ids = {r["data"]["bookAppointment"]["appointment"]["id"] for r in results}
    assert len(ids) == 1
    assert await models.Appointment.filter(patient_id=people.a.id, status="BOOKED").count() == 2
    appointment = results[0]["data"]["bookAppointment"]["appointment"]
    assert appointment["confirmed"] is True and appointment["patientName"] == people.a.name
    # The same key for another slot is a conflict, not a silent replay.
    other = await _book(http, {**request, "slotStart": next_monday_slot(9, 15)}, headers)
    assert _codes(other) == ["CONFLICT"]


async def test_twenty_concurrent_bookings_of_one_place(
    http: Any, dataset: Dataset, people: People
) -> None:
    role_id = await _role_id(dataset)
    slot = next_monday_slot(10, 30)

    async def attempt(i: int) -> dict[str, Any]:
        guest = {"name": f"Guest {i}", "phone": f"+9198{i:08d}"}
        return await _book(
            http,
            {
                "practitionerRoleId": role_id,
                "slotStart": slot,
                "idempotencyKey": f"concurrent-{i:04d}",
                "guest": guest,
            },
        )

    results = await asyncio.gather(*(attempt(i) for i in range(20)))
    created = [r for r in results if not r.get("errors")]
    conflicts = [r for r in results if _codes(r) == ["CONFLICT"]]
    assert len(created) == 1 and len(conflicts) == 19
    booking = await models.SlotBooking.get(
        role_id=(await models.PractitionerRole.get(practitioner_id=dataset.profile_id)).pk
    )
    assert booking.booked == 1
    assert (
        await models.Appointment.filter(
            idempotency_key__not_in=["t-a1", "t-a2", "t-b1", "t-g1"]
        ).count()
        == 1
    )


async def test_failure_midway_leaves_nothing_half_written(
    http: Any, dataset: Dataset, people: People, tokens: TokenService, monkeypatch: Any
) -> None:
    role_id = await _role_id(dataset)
    request = {
        "practitionerRoleId": role_id,
        "slotStart": next_monday_slot(11),
        "idempotencyKey": "midway-0001",
    }
    before = await models.Appointment.all().count()

    async def explode(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(models.Appointment, "create", explode)
    failed = await _book(http, request, _patient_headers(tokens, people.a.id))
    assert _codes(failed) == ["INTERNAL"]
    monkeypatch.undo()
    assert await models.Appointment.all().count() == before
    assert await models.SlotBooking.filter(booked__gt=0).count() == 0  # the place was not kept
    retried = await _book(http, request, _patient_headers(tokens, people.a.id))
    assert retried["data"]["bookAppointment"]["created"] is True


async def test_guest_booking_and_validation(http: Any, dataset: Dataset, people: People) -> None:
    role_id = await _role_id(dataset)
    base = {
        "practitionerRoleId": role_id,
        "slotStart": next_monday_slot(12),
        "idempotencyKey": "guest-0001",
    }
    no_guest = await _book(http, base)
    assert _codes(no_guest) == ["BAD_USER_INPUT"]
    bad_phone = await _book(http, {**base, "guest": {"name": "Neha", "phone": "+91 98500 1122"}})
    assert _codes(bad_phone) == ["BAD_USER_INPUT"] and "98500" not in str(bad_phone)
    for slot in (
        next_monday_slot(8),
        next_monday_slot(9, 7),
        next_monday_slot(13),
        "2020-01-06T09:00:00+05:30",
        "2099-01-05T09:00:00",
    ):
        body = await _book(
            http, {**base, "slotStart": slot, "guest": {"name": "Neha", "phone": "+919850099887"}}
        )
        assert _codes(body) == ["BAD_USER_INPUT"], slot
    ok = await _book(http, {**base, "guest": {"name": "Neha Joshi", "phone": "+919850099887"}})
    assert ok["data"]["bookAppointment"]["appointment"]["patientName"] == "Neha Joshi"
    await models.PractitionerRole.filter(practitioner_id=dataset.profile_id).update(
        booking_mode=BookingMode.CALL_ONLY
    )
    call_only = await _book(
        http,
        {
            **base,
            "idempotencyKey": "guest-0002",
            "guest": {"name": "Neha Joshi", "phone": "+919850099887"},
        },
    )
    assert (
        _codes(call_only) == ["BAD_USER_INPUT"]
        and "revealContactNumber" in call_only["errors"][0]["message"]
    )


async def test_partners_and_staff_cannot_book(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    request = {
        "practitionerRoleId": await _role_id(dataset),
        "slotStart": next_monday_slot(),
        "idempotencyKey": "partner-0001",
    }
    for token in (
        tokens.mint(Role.PARTNER, partner_id=people.partner_x),
        tokens.mint(Role.INTERNAL),
    ):
        body = await _book(http, request, {"authorization": f"Bearer {token}"})
        assert _codes(body) == ["FORBIDDEN"]


async def test_three_no_shows_pause_online_booking(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    now = datetime.now(UTC)
    for i, days in enumerate((200, 60, 10)):
        await models.Appointment.create(
            patient_id=people.b.id,
            role_id=role.pk,
            slot_start=now - timedelta(days=days),
            status=AppointmentStatus.PATIENT_NO_SHOW,
            idempotency_key=f"noshow-{i}",
        )
    request = {
        "practitionerRoleId": to_global_id("PractitionerRole", role.pk),
        "slotStart": next_monday_slot(),
        "idempotencyKey": "noshow-book-1",
    }
    body = await _book(http, request, _patient_headers(tokens, people.b.id))
    assert _codes(body) == ["FORBIDDEN"] and "paused" in body["errors"][0]["message"]
    # A no-show more than a year ago does not count.
    await models.Appointment.filter(idempotency_key="noshow-0").update(
        slot_start=now - timedelta(days=400)
    )
    body = await _book(http, request, _patient_headers(tokens, people.b.id))
    assert body["data"]["bookAppointment"]["created"] is True


async def test_cancel_frees_the_place(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    role_id = await _role_id(dataset)
    slot = next_monday_slot(17)
    first = await _book(
        http,
        {"practitionerRoleId": role_id, "slotStart": slot, "idempotencyKey": "cancel-0001"},
        _patient_headers(tokens, people.a.id),
    )
    appointment_id = first["data"]["bookAppointment"]["appointment"]["id"]
    taken = await _book(
        http,
        {"practitionerRoleId": role_id, "slotStart": slot, "idempotencyKey": "cancel-0002"},
        _patient_headers(tokens, people.b.id),
    )
    assert _codes(taken) == ["CONFLICT"]
    other = await http.post(
        "/graphql",
        json={
            "query": "mutation($id: ID!) { cancelAppointment(appointmentId: $id) { status } }",
            "variables": {"id": appointment_id},
        },
        headers=_patient_headers(tokens, people.b.id),
    )
    assert other.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # not B's to cancel
    cancel = await http.post(
        "/graphql",
        json={
            "query": "mutation($id: ID!) { cancelAppointment(appointmentId: $id) { status } }",
            "variables": {"id": appointment_id},
        },
        headers=_patient_headers(tokens, people.a.id),
    )
    assert cancel.json()["data"]["cancelAppointment"]["status"] == "CANCELLED"
    again = await _book(
        http,
        {"practitionerRoleId": role_id, "slotStart": slot, "idempotencyKey": "cancel-0003"},
        _patient_headers(tokens, people.b.id),
    )
    assert again["data"]["bookAppointment"]["created"] is True


async def test_instant_booking_follows_the_honoured_rate(
    http: Any, dataset: Dataset, people: People, tokens: TokenService
) -> None:
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    partner = {"authorization": f"Bearer {tokens.mint(Role.PARTNER, partner_id=people.partner_x)}"}
    now = datetime.now(UTC)
    ids = []
    for i in range(12):
        row = await models.Appointment.create(
            role_id=role.pk,
            slot_start=now - timedelta(hours=i + 1),
            status=AppointmentStatus.BOOKED,
            idempotency_key=f"rate-{i}",
        )
        ids.append(to_global_id("Appointment", row.pk))
    mark = "mutation($id: ID!, $o: AppointmentOutcome!) { markAppointment(appointmentId: $id, outcome: $o) { status } }"
    for i, global_id in enumerate(ids[:10]):
        outcome = "PROVIDER_NO_SHOW" if i < 3 else "HONOURED"
        body = (
            await http.post(
                "/graphql",
                json={"query": mark, "variables": {"id": global_id, "o": outcome}},
                headers=partner,
            )
        ).json()
        assert body["data"]["markAppointment"]["status"] == outcome
    await role.refresh_from_db()
    assert role.instant_eligible is False  # 7 of 10 honoured, below 80 %
    booked = await _book(
        http,
        {
            "practitionerRoleId": to_global_id("PractitionerRole", role.pk),
            "slotStart": next_monday_slot(18),
            "idempotencyKey": "rate-book-1",
        },
        _patient_headers(tokens, people.a.id),
    )
    assert booked["data"]["bookAppointment"]["appointment"]["confirmed"] is False
    for global_id in ids[10:]:
        await http.post(
            "/graphql",
            json={"query": mark, "variables": {"id": global_id, "o": "HONOURED"}},
            headers=partner,
        )
    for i in range(6):
        row = await models.Appointment.create(
            role_id=role.pk,
            slot_start=now - timedelta(minutes=i + 1),
            status=AppointmentStatus.BOOKED,
            idempotency_key=f"rate-more-{i}",
        )
        await http.post(
            "/graphql",
            json={
                "query": mark,
                "variables": {"id": to_global_id("Appointment", row.pk), "o": "HONOURED"},
            },
            headers=partner,
        )
    await role.refresh_from_db()
    assert role.instant_eligible is True  # 15 of 18 honoured
    other_partner = {
        "authorization": f"Bearer {tokens.mint(Role.PARTNER, partner_id=people.partner_y)}"
    }
    body = (
        await http.post(
            "/graphql",
            json={"query": mark, "variables": {"id": ids[0], "o": "HONOURED"}},
            headers=other_partner,
        )
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
