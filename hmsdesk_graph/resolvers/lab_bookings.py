"""Booking a lab test or a health package at a diagnostic center, at the center or at home.

The same rules as a practice booking (booking_rules): a patient or a guest, an idempotency key
scoped to the booker, the no-show pause, and a counted place per collection window taken by a
conditional UPDATE in the transaction that inserts the visit. A home collection's address is
personal data: stored encrypted, erased with the patient, never echoed in an error.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import strawberry
from tortoise.backends.base.client import BaseDBAsyncClient

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import AppointmentStatus, EventKind, PackageKind, VisitKind
from hmsdesk_graph.db.lab_windows import opening_hours, window_capacity, window_minutes
from hmsdesk_graph.errors import BadUserInput, Conflict
from hmsdesk_graph.identity.global_ids import pk_of
from hmsdesk_graph.identity.permissions import not_found
from hmsdesk_graph.reach.tracking import record_booking
from hmsdesk_graph.resolvers.booking_rules import (
    GuestInput,
    book_place,
    center_place,
    check_slot_time,
    count_booking,
    identify_booker,
    refuse_when_paused,
    within_weekly_hours,
)
from hmsdesk_graph.schema.care import Appointment

BOOKABLE_KINDS = (PackageKind.LAB_TEST, PackageKind.HEALTH_PACKAGE)
_PINCODE = re.compile(r"^[1-9][0-9]{5}$")


@strawberry.input(description="Where to collect the sample, for a home collection.")
class HomeCollectionInput:
    address: str = strawberry.field(description="House, street and locality (10 to 300 chars).")
    pincode: str = strawberry.field(description="The six-digit Indian postal code.")


@strawberry.input
class BookLabVisitInput:
    package_id: strawberry.ID = strawberry.field(
        description="A LAB_TEST or HEALTH_PACKAGE price package of a diagnostic center."
    )
    slot_start: datetime = strawberry.field(
        description="The start of a collection window within the center's weekly hours."
    )
    idempotency_key: str = strawberry.field(
        description="Any unique string per booking attempt: retries with it book once."
    )
    home_collection: HomeCollectionInput | None = strawberry.field(
        default=None, description="Collect at this address; leave out to visit the center."
    )
    guest: GuestInput | None = None


@strawberry.type
class BookLabVisitPayload:
    appointment: Appointment
    created: bool = strawberry.field(description="False when the idempotency key was seen before.")


def _decode_package_id(global_id: str) -> int:
    return pk_of(
        global_id, "PricePackage", "packageId must be the ID of a price package.", "packageId"
    )


def _check_address(home: HomeCollectionInput) -> str:
    address = " ".join(home.address.split())
    if not 10 <= len(address) <= 300:
        # Never echo the address back: error messages may be logged.
        raise BadUserInput(
            "homeCollection.address must be 10 to 300 characters.",
            argument="homeCollection.address",
        )
    pincode = home.pincode.strip()
    if not _PINCODE.fullmatch(pincode):
        raise BadUserInput(
            "homeCollection.pincode must be a six-digit postal code.",
            argument="homeCollection.pincode",
        )
    return f"{address}, {pincode}"


def _check_window(center: models.DiagnosticCenter, slot: datetime) -> None:
    if not within_weekly_hours(opening_hours(center), window_minutes(center), slot):
        raise BadUserInput(
            "slotStart is not one of this center's collection windows: pick the start of a"
            f" {window_minutes(center)}-minute window within its weekly hours.",
            argument="slotStart",
        )


def _replay(
    existing: models.Appointment, package_id: int, slot: datetime, kind: VisitKind
) -> BookLabVisitPayload:
    same = (
        existing.package_id == package_id
        and existing.diagnostic_center_id is not None
        and existing.slot_start == slot.astimezone(UTC)
        and existing.visit_kind is kind
    )
    if not same:
        raise Conflict(
            "This idempotencyKey was used for another booking: use a new key.",
            argument="idempotencyKey",
        )
    return BookLabVisitPayload(appointment=Appointment.from_row(existing), created=False)


async def resolve_book_lab_visit(info: Info, input: BookLabVisitInput) -> BookLabVisitPayload:
    """Book a collection window for a lab test or health package; one key books once."""
    ctx = info.context
    now = datetime.now(UTC)
    booker = await identify_booker(info, input.idempotency_key, input.guest)
    package_id = _decode_package_id(input.package_id)
    kind = VisitKind.HOME_COLLECTION if input.home_collection else VisitKind.WALK_IN
    existing = await models.Appointment.get_or_none(idempotency_key=booker.scoped_key)
    if existing is not None:
        return _replay(existing, package_id, input.slot_start, kind)
    package = await models.PricePackage.get_or_none(id=package_id)
    if package is None:
        raise not_found("price package")
    if package.diagnostic_center_id is None or package.kind not in BOOKABLE_KINDS:
        raise BadUserInput(
            "packageId must be a lab test or a health package of a diagnostic center.",
            argument="packageId",
        )
    center = await models.DiagnosticCenter.get(id=package.diagnostic_center_id)
    address: str | None = None
    if input.home_collection is not None:
        if window_capacity(center, kind) == 0:  # no service, or no one to send
            raise BadUserInput(
                "This center does not collect samples at home: leave out homeCollection.",
                argument="homeCollection",
            )
        address = _check_address(input.home_collection)
    check_slot_time(input.slot_start, now)
    slot = input.slot_start.astimezone(UTC)
    _check_window(center, slot)
    await refuse_when_paused(info, booker, now)
    await count_booking(info, booker)
    assert ctx.cipher is not None
    cipher = ctx.cipher
    guest = booker.guest
    fee = center.home_collection_fee_paise if kind is VisitKind.HOME_COLLECTION else None
    window_end = slot + timedelta(minutes=window_minutes(center))

    async def create(conn: BaseDBAsyncClient) -> models.Appointment:
        return await models.Appointment.create(
            using_db=conn,
            patient_id=booker.patient_id,
            diagnostic_center_id=center.pk,
            package_id=package.pk,
            visit_kind=kind,
            slot_start=slot,
            window_end=window_end,
            status=AppointmentStatus.BOOKED,
            confirmed=True,  # a window with a free place is the center's confirmation
            guest_name_ciphertext=cipher.encrypt(guest[0]) if guest else None,
            guest_phone_ciphertext=cipher.encrypt(guest[1]) if guest else None,
            guest_phone_hash=booker.phone_hash,
            collection_address_ciphertext=cipher.encrypt(address) if address else None,
            home_collection_fee_paise=fee,
            idempotency_key=booker.scoped_key,
        )

    place = center_place(center.pk, kind, slot, window_capacity(center, kind))
    appointment, created = await book_place(place, booker.scoped_key, create)
    if not created:
        return _replay(appointment, package_id, input.slot_start, kind)
    await record_booking(info, EventKind.BOOKING_REQUESTED, appointment)
    return BookLabVisitPayload(appointment=Appointment.from_row(appointment), created=True)
