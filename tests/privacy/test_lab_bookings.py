"""bookLabVisit: a lab test or health package at a diagnostic center, at the center or at home.

The same rules as practice bookings (atomic places per window, idempotent retries, patients or
guests) and the home-collection address treated as personal data.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.db.enums import PackageKind
from hmsdesk_graph.identity.global_ids import to_global_id
from tests.factories import Dataset
from tests.privacy.people import People
from tests.privacy.test_bookings import next_monday_slot

BOOK_LAB = """
mutation Book($input: BookLabVisitInput!) {
  bookLabVisit(input: $input) {
    created
    appointment {
      id status visitKind slotStart collectionWindowEnd confirmed
      homeCollectionAddress homeCollectionFee reportTurnaroundHours reportsExpectedBy
      patientName patientPhone
      package { name kind reportTurnaroundHours }
      diagnosticCenter { slug }
    }
  }
}
"""
VIEW = """
query($id: ID!) { node(id: $id) { ... on Appointment {
  id visitKind homeCollectionAddress patientName patientPhone } } }
"""
PARTNER_LIST = """
{ partnerAppointments(first: 50) { edges { node {
  id visitKind homeCollectionAddress patientName patientPhone } } } }
"""
ADDRESS = "Flat 7, Sai Krupa Apartments, Karve Nagar Lane 4, Kothrud"
PINCODE = "411038"
HOURS = {day: [["07:00", "11:00"]] for day in ("MON", "TUE", "WED", "THU", "FRI", "SAT")}


@pytest.fixture
async def center(dataset: Dataset, people: People) -> models.DiagnosticCenter:
    """The dataset's center (partner X's): 60-minute windows 07:00-11:00 Monday to Saturday,
    two visits and one home collection per window, a ₹100 home-collection fee."""
    await models.DiagnosticCenter.filter(id=dataset.center_id).update(
        weekly_hours=HOURS,
        collection_window_minutes=60,
        collection_capacity=2,
        home_collection_capacity=1,
    )
    return await models.DiagnosticCenter.get(id=dataset.center_id)


async def _package(center: models.DiagnosticCenter, kind: PackageKind) -> str:
    row = await models.PricePackage.get(diagnostic_center_id=center.pk, kind=kind)
    return to_global_id("PricePackage", row.pk)


async def _post(
    http: Any, query: str, variables: dict[str, Any] | None, headers: dict[str, str]
) -> dict[str, Any]:
    body: dict[str, Any] = (
        await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    ).json()
    return body


async def _book(http: Any, request: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    return await _post(http, BOOK_LAB, {"input": request}, headers)


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def _argument(body: dict[str, Any]) -> str | None:
    argument: str | None = body["errors"][0]["extensions"].get("argument")
    return argument


async def test_patient_books_a_test_at_the_center_and_retries_book_once(
    http: Any, center: models.DiagnosticCenter, people: People, viewers: dict[str, Any]
) -> None:
    slot = next_monday_slot(8)
    request = {
        "packageId": await _package(center, PackageKind.LAB_TEST),
        "slotStart": slot,
        "idempotencyKey": "lab-a-0001",
    }
    results = [await _book(http, request, viewers["patient A"]) for _ in range(3)]
    assert [r["data"]["bookLabVisit"]["created"] for r in results] == [True, False, False]
    assert len({r["data"]["bookLabVisit"]["appointment"]["id"] for r in results}) == 1
    visit = results[0]["data"]["bookLabVisit"]["appointment"]
    start = datetime.fromisoformat(slot)
    end = datetime.fromisoformat(visit["collectionWindowEnd"])
    assert datetime.fromisoformat(visit["slotStart"]) == start
    assert end == start + timedelta(minutes=60)
    assert visit["visitKind"] == "WALK_IN" and visit["status"] == "BOOKED" and visit["confirmed"]
    assert visit["homeCollectionAddress"] is None and visit["homeCollectionFee"] is None
    # Reports' turnaround, on the booking and on the package (the center reports in 12 h).
    assert visit["reportTurnaroundHours"] == 12
    assert datetime.fromisoformat(visit["reportsExpectedBy"]) == end + timedelta(hours=12)
    assert visit["package"] == {
        "name": "Complete Blood Count",
        "kind": "LAB_TEST",
        "reportTurnaroundHours": 12,
    }
    assert visit["diagnosticCenter"]["slug"] == center.slug
    assert visit["patientName"] == people.a.name and visit["patientPhone"] == people.a.phone
    rows = await models.Appointment.filter(diagnostic_center_id=center.pk)
    assert len(rows) == 1 and rows[0].patient_id == people.a.id
    counter = await models.CenterSlotBooking.get(diagnostic_center_id=center.pk)
    assert (counter.booked, counter.capacity, counter.visit_kind.value) == (1, 2, "WALK_IN")
    # The same key for another window (or as a home collection) is a conflict, not a replay.
    other = await _book(http, {**request, "slotStart": next_monday_slot(9)}, viewers["patient A"])
    assert _codes(other) == ["CONFLICT"] and _argument(other) == "idempotencyKey"
    home = {**request, "homeCollection": {"address": ADDRESS, "pincode": PINCODE}}
    assert _codes(await _book(http, home, viewers["patient A"])) == ["CONFLICT"]


async def test_guest_books_a_home_collection_with_the_fee_and_an_encrypted_address(
    http: Any, center: models.DiagnosticCenter, settings: Settings
) -> None:
    request = {
        "packageId": await _package(center, PackageKind.HEALTH_PACKAGE),
        "slotStart": next_monday_slot(7),
        "idempotencyKey": "lab-guest-0001",
        "guest": {"name": "Meera Joshi", "phone": "+91 98226 44551"},
        "homeCollection": {"address": ADDRESS, "pincode": PINCODE},
    }
    body = await _book(http, request, {})
    visit = body["data"]["bookLabVisit"]["appointment"]
    assert visit["visitKind"] == "HOME_COLLECTION"
    assert visit["homeCollectionAddress"] == f"{ADDRESS}, {PINCODE}"
    assert Decimal(visit["homeCollectionFee"]) == Decimal("100.00")
    assert visit["patientName"] == "Meera Joshi" and visit["patientPhone"] == "+919822644551"
    assert visit["package"]["kind"] == "HEALTH_PACKAGE"
    row = await models.Appointment.get(diagnostic_center_id=center.pk)
    assert row.collection_address_ciphertext is not None
    assert "Kothrud" not in row.collection_address_ciphertext
    cipher = FieldCipher(settings.field_encryption_key)
    assert cipher.decrypt(row.collection_address_ciphertext) == f"{ADDRESS}, {PINCODE}"
    # A retry by the same guest replays.
    again = await _book(http, request, {})
    assert again["data"]["bookLabVisit"]["created"] is False


async def test_concurrent_bookings_of_the_last_home_collection_place(
    http: Any, center: models.DiagnosticCenter
) -> None:
    package = await _package(center, PackageKind.LAB_TEST)
    slot = next_monday_slot(10)

    async def attempt(i: int) -> dict[str, Any]:
        return await _book(
            http,
            {
                "packageId": package,
                "slotStart": slot,
                "idempotencyKey": f"lab-race-{i:04d}",
                "guest": {"name": f"Guest {i}", "phone": f"+9198{i:08d}"},
                "homeCollection": {"address": ADDRESS, "pincode": PINCODE},
            },
            {},
        )

    results = await asyncio.gather(*(attempt(i) for i in range(12)))
    created = [r for r in results if not r.get("errors")]
    conflicts = [r for r in results if _codes(r) == ["CONFLICT"]]
    assert len(created) == 1 and len(conflicts) == 11
    assert all(_argument(r) == "slotStart" for r in conflicts)
    home = await models.CenterSlotBooking.get(diagnostic_center_id=center.pk)
    assert (home.booked, home.capacity) == (1, 1)
    assert await models.Appointment.filter(diagnostic_center_id=center.pk).count() == 1
    # Visits at the center have their own places in the same window.
    one_more = await attempt(99)
    assert _codes(one_more) == ["CONFLICT"]
    at_center = await _book(
        http,
        {
            "packageId": package,
            "slotStart": slot,
            "idempotencyKey": "lab-race-walk-in",
            "guest": {"name": "Guest Walk", "phone": "+919800000099"},
        },
        {},
    )
    assert at_center["data"]["bookLabVisit"]["created"] is True


async def test_concurrent_retries_of_one_key_book_once(
    http: Any, center: models.DiagnosticCenter, people: People, viewers: dict[str, Any]
) -> None:
    request = {
        "packageId": await _package(center, PackageKind.LAB_TEST),
        "slotStart": next_monday_slot(9),
        "idempotencyKey": "lab-retry-0001",
    }
    results = await asyncio.gather(*(_book(http, request, viewers["patient A"]) for _ in range(6)))
    assert all("errors" not in r for r in results), results
    assert sorted(r["data"]["bookLabVisit"]["created"] for r in results) == [False] * 5 + [True]
    assert len({r["data"]["bookLabVisit"]["appointment"]["id"] for r in results}) == 1
    counter = await models.CenterSlotBooking.get(diagnostic_center_id=center.pk)
    assert counter.booked == 1


async def test_cancelling_frees_the_window(
    http: Any, center: models.DiagnosticCenter, viewers: dict[str, Any]
) -> None:
    request = {
        "packageId": await _package(center, PackageKind.LAB_TEST),
        "slotStart": next_monday_slot(8),
        "idempotencyKey": "lab-cancel-0001",
        "homeCollection": {"address": ADDRESS, "pincode": PINCODE},
    }
    booked = await _book(http, request, viewers["patient A"])
    appointment_id = booked["data"]["bookLabVisit"]["appointment"]["id"]
    blocked = await _book(
        http, {**request, "idempotencyKey": "lab-cancel-0002"}, viewers["patient B"]
    )
    assert _codes(blocked) == ["CONFLICT"]
    cancel = "mutation($id: ID!) { cancelAppointment(appointmentId: $id) { status } }"
    body = await _post(http, cancel, {"id": appointment_id}, viewers["patient A"])
    assert body["data"]["cancelAppointment"]["status"] == "CANCELLED"
    retry = await _book(
        http, {**request, "idempotencyKey": "lab-cancel-0002"}, viewers["patient B"]
    )
    assert retry["data"]["bookLabVisit"]["created"] is True


async def test_address_and_phone_only_for_the_patient_and_the_center(
    http: Any, center: models.DiagnosticCenter, people: People, viewers: dict[str, Any]
) -> None:
    request = {
        "packageId": await _package(center, PackageKind.LAB_TEST),
        "slotStart": next_monday_slot(7),
        "idempotencyKey": "lab-privacy-0001",
        "homeCollection": {"address": ADDRESS, "pincode": PINCODE},
    }
    booked = await _book(http, request, viewers["patient A"])
    appointment_id = booked["data"]["bookLabVisit"]["appointment"]["id"]
    secrets = ("Sai Krupa", PINCODE, people.a.phone, people.a.phone[-10:], people.a.name)

    mine = await _post(http, VIEW, {"id": appointment_id}, viewers["patient A"])
    assert mine["data"]["node"]["homeCollectionAddress"] == f"{ADDRESS}, {PINCODE}"
    assert mine["data"]["node"]["patientPhone"] == people.a.phone

    for viewer in ("anonymous", "patient B", "partner Y"):
        body = await _post(http, VIEW, {"id": appointment_id}, viewers[viewer])
        assert body["data"]["node"] is None, viewer
        listing = await _post(http, PARTNER_LIST, None, viewers[viewer])
        for secret in secrets:
            assert secret not in str(body) and secret not in str(listing), (viewer, secret)

    # The center's partner: the address to collect from, the name, and a masked phone.
    listing = await _post(http, PARTNER_LIST, None, viewers["partner X"])
    nodes = [e["node"] for e in listing["data"]["partnerAppointments"]["edges"]]
    visit = next(n for n in nodes if n["id"] == appointment_id)
    assert visit["homeCollectionAddress"] == f"{ADDRESS}, {PINCODE}"
    assert visit["patientName"] == people.a.name
    assert visit["patientPhone"] == f"+91 ******** {people.a.phone[-2:]}"
    assert people.a.phone[-10:] not in str(listing)

    # Staff read it only with a stated purpose (and the read is audited).
    refused = await _post(http, VIEW, {"id": appointment_id}, viewers["internal, no purpose"])
    assert "Sai Krupa" not in str(refused["data"]) and "FORBIDDEN" in _codes(refused)
    audited = await _post(http, VIEW, {"id": appointment_id}, viewers["internal, purpose"])
    assert audited["data"]["node"]["homeCollectionAddress"] == f"{ADDRESS}, {PINCODE}"


async def test_erasure_removes_the_address(
    http: Any, center: models.DiagnosticCenter, people: People, viewers: dict[str, Any]
) -> None:
    request = {
        "packageId": await _package(center, PackageKind.LAB_TEST),
        "slotStart": next_monday_slot(7),
        "idempotencyKey": "lab-erase-0001",
        "homeCollection": {"address": ADDRESS, "pincode": PINCODE},
    }
    booked = await _book(http, request, viewers["patient A"])
    appointment_id = booked["data"]["bookLabVisit"]["appointment"]["id"]
    export = await _post(http, "mutation { exportMyData }", None, viewers["patient A"])
    visits = [a for a in export["data"]["exportMyData"]["appointments"] if a["diagnosticCenterId"]]
    assert [a["homeCollectionAddress"] for a in visits] == [f"{ADDRESS}, {PINCODE}"]
    erase = "mutation { eraseMyData(confirm: true) { erased } }"
    assert (await _post(http, erase, None, viewers["patient A"]))["data"]["eraseMyData"]["erased"]
    row = await models.Appointment.get(diagnostic_center_id=center.pk)
    assert row.collection_address_ciphertext is None and row.patient_id is None
    listing = await _post(http, PARTNER_LIST, None, viewers["partner X"])
    visit = next(
        e["node"]
        for e in listing["data"]["partnerAppointments"]["edges"]
        if e["node"]["id"] == appointment_id
    )
    assert visit["homeCollectionAddress"] is None and visit["patientPhone"] is None
    assert "Sai Krupa" not in str(listing)


async def test_bad_input_is_coded_and_names_the_argument(
    http: Any, dataset: Dataset, center: models.DiagnosticCenter, viewers: dict[str, Any]
) -> None:
    lab = await _package(center, PackageKind.LAB_TEST)
    consult = await models.PricePackage.filter(
        practitioner_id=dataset.profile_id, kind=PackageKind.CONSULTATION
    ).first()
    assert consult is not None
    base = {"packageId": lab, "slotStart": next_monday_slot(8), "idempotencyKey": "lab-bad-0001"}
    home = {"address": ADDRESS, "pincode": PINCODE}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"packageId": to_global_id("PricePackage", consult.pk)}, "packageId"),
        ({"packageId": to_global_id("Hospital", dataset.hospital_id)}, "packageId"),
        ({"slotStart": next_monday_slot(12)}, "slotStart"),  # after hours
        ({"slotStart": next_monday_slot(8, 30)}, "slotStart"),  # not a window's start
        ({"slotStart": "2020-01-06T08:00:00+05:30"}, "slotStart"),  # past
        ({"homeCollection": {**home, "address": "Kothrud"}}, "homeCollection.address"),
        ({"homeCollection": {**home, "pincode": "41103"}}, "homeCollection.pincode"),
        ({"idempotencyKey": "short"}, "idempotencyKey"),
    ]
    for change, argument in cases:
        body = await _book(http, {**base, **change}, viewers["patient A"])
        assert _codes(body) == ["BAD_USER_INPUT"], (change, body)
        assert _argument(body) == argument, (change, body)
        assert "Sai Krupa" not in str(body) and "41103" not in str(body)
    anonymous = await _book(http, base, {})
    assert _codes(anonymous) == ["BAD_USER_INPUT"] and _argument(anonymous) == "guest"
    sunday = (datetime.fromisoformat(next_monday_slot(8)) - timedelta(days=1)).isoformat()
    closed = await _book(http, {**base, "slotStart": sunday}, viewers["patient A"])
    assert _codes(closed) == ["BAD_USER_INPUT"] and _argument(closed) == "slotStart"
    for change in ({"home_collection_capacity": 0}, {"home_collection": False}):
        await models.DiagnosticCenter.filter(id=center.pk).update(**change)
        no_home = await _book(http, {**base, "homeCollection": home}, viewers["patient A"])
        assert _codes(no_home) == ["BAD_USER_INPUT"] and _argument(no_home) == "homeCollection"
    for viewer in ("partner X", "internal, purpose"):
        assert _codes(await _book(http, base, viewers[viewer])) == ["FORBIDDEN"]
    assert await models.Appointment.filter(diagnostic_center_id=center.pk).count() == 0
