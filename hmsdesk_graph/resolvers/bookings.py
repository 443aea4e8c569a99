"""Bookings: book (atomic capacity, idempotent), cancel, and the practice's outcome marks.

Capacity is a conditional UPDATE on the slot's counter inside the same transaction as the
appointment insert: concurrent bookings of the last place get exactly one success; a failure
midway rolls both back. No HTTP call happens inside the transaction.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import strawberry
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from hmsdesk_graph.auth import Role
from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import normalise_phone
from hmsdesk_graph.db.enums import AppointmentStatus, BookingMode, EventKind
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.errors import BadUserInput, Conflict, Forbidden
from hmsdesk_graph.outbox import queue_feedback_request
from hmsdesk_graph.permissions import (
    appointment_partner_id,
    may_see_appointment,
    not_found,
    require_partner,
)
from hmsdesk_graph.reach.tracking import record_booking
from hmsdesk_graph.schema.care import Appointment
from hmsdesk_graph.schema.node import from_global_id
from hmsdesk_graph.search.practitioners import IST

_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
NO_SHOW_WINDOW = timedelta(days=365)
NO_SHOW_PAUSE = timedelta(days=122)  # about four months
OUTCOME_WINDOW = 50  # the practice's latest outcomes that decide instant booking


@strawberry.input(description="Who the booking is for, when booking without an account.")
class GuestInput:
    name: str
    phone: str


@strawberry.input
class BookAppointmentInput:
    practitioner_role_id: strawberry.ID
    slot_start: datetime
    idempotency_key: str = strawberry.field(
        description="Any unique string per booking attempt: retries with it book once."
    )
    guest: GuestInput | None = None


@strawberry.type
class BookAppointmentPayload:
    appointment: Appointment
    created: bool = strawberry.field(description="False when the idempotency key was seen before.")


@strawberry.enum(description="What happened at an appointment, as the practice reports it.")
class AppointmentOutcome(Enum):
    HONOURED = "HONOURED"
    PATIENT_NO_SHOW = "PATIENT_NO_SHOW"
    PROVIDER_NO_SHOW = "PROVIDER_NO_SHOW"


def _decode_role_id(global_id: str) -> int:
    kind, pk = from_global_id(global_id)
    if kind != "PractitionerRole":
        raise BadUserInput("practitionerRoleId must be the ID of a practice.", argument="id")
    return pk


def _check_guest(guest: GuestInput) -> tuple[str, str]:
    name = " ".join(guest.name.split())
    if not 2 <= len(name) <= 80:
        raise BadUserInput("guest.name must be 2 to 80 characters.", argument="guest.name")
    phone = normalise_phone(guest.phone)
    if not re.fullmatch(r"\+91[6-9][0-9]{9}", phone):
        # Never echo the number back: error messages may be logged.
        raise BadUserInput("guest.phone must be an Indian mobile number.", argument="guest.phone")
    return name, phone


def _check_slot(role: models.PractitionerRole, slot: datetime, now: datetime) -> datetime:
    if slot.tzinfo is None:
        raise BadUserInput("slotStart needs a UTC offset, e.g. 2026-12-01T10:30:00+05:30.")
    if slot <= now:
        raise BadUserInput("slotStart is in the past.", argument="slotStart")
    if slot > now + timedelta(days=90):
        raise BadUserInput("Bookings open at most 90 days ahead.", argument="slotStart")
    local = slot.astimezone(IST)
    minutes = local.hour * 60 + local.minute
    for opens, closes in (role.weekly_hours or {}).get(_WEEKDAYS[local.weekday()], []):
        start = int(opens[:2]) * 60 + int(opens[3:5])
        end = int(closes[:2]) * 60 + int(closes[3:5])
        on_grid = (minutes - start) % role.slot_minutes == 0 and local.second == 0
        if start <= minutes and minutes + role.slot_minutes <= end and on_grid:
            return slot.astimezone(UTC)
    raise BadUserInput(
        "slotStart is not one of this practice's slots: pick a time within its weekly hours.",
        argument="slotStart",
    )


async def _paused_until(
    patient_id: int | None, phone_hash: str | None, now: datetime, limit: int
) -> datetime | None:
    """When a patient with too many recent no-shows may book online again (None: may now)."""
    query = models.Appointment.filter(
        status=AppointmentStatus.PATIENT_NO_SHOW, slot_start__gte=now - NO_SHOW_WINDOW
    )
    if patient_id is not None:
        query = query.filter(patient_id=patient_id)
    elif phone_hash is not None:
        query = query.filter(guest_phone_hash=phone_hash)
    else:
        return None
    slots: list[Any] = (
        await query.order_by("-slot_start").limit(limit).values_list("slot_start", flat=True)
    )
    if len(slots) < limit:
        return None
    until: datetime = slots[0] + NO_SHOW_PAUSE  # the no-show that made it three starts it
    return until if until > now else None


async def resolve_book_appointment(
    info: Info, input: BookAppointmentInput
) -> BookAppointmentPayload:
    """Book a slot for the signed-in patient or a guest; the same key never books twice."""
    ctx = info.context
    viewer = ctx.viewer
    now = datetime.now(UTC)
    if viewer.role not in (Role.PATIENT, Role.ANONYMOUS):
        raise Forbidden("Bookings are made by patients or guests.")
    if not _KEY.match(input.idempotency_key):
        raise BadUserInput(
            "idempotencyKey must be 8 to 128 letters, digits or _ . : -", argument="idempotencyKey"
        )
    guest: tuple[str, str] | None = None
    if viewer.role is Role.PATIENT:
        if input.guest is not None:
            raise BadUserInput("Signed-in patients book for themselves: leave out guest.")
    elif input.guest is None:
        raise BadUserInput("Give guest { name phone } or sign in to book.", argument="guest")
    else:
        guest = _check_guest(input.guest)
    assert ctx.cipher is not None
    phone_hash = ctx.cipher.lookup_hash(guest[1], "phone") if guest else None
    owner = viewer.subject if viewer.role is Role.PATIENT else f"guest:{phone_hash}"
    scoped_key = hashlib.sha256(f"{owner}|{input.idempotency_key}".encode()).hexdigest()

    role_id = _decode_role_id(input.practitioner_role_id)
    existing = await models.Appointment.get_or_none(idempotency_key=scoped_key)
    if existing is not None:
        return _replay(existing, role_id, input.slot_start)
    role = await models.PractitionerRole.get_or_none(id=role_id)
    if role is None:
        raise not_found("practice")
    if role.booking_mode is BookingMode.CALL_ONLY:
        raise BadUserInput(
            "This practice takes bookings by phone: use revealContactNumber.",
            argument="practitionerRoleId",
        )
    slot = _check_slot(role, input.slot_start, now)
    until = await _paused_until(viewer.patient_id, phone_hash, now, ctx.settings.no_show_limit)
    if until is not None:
        raise Forbidden(
            f"Online booking is paused until {until.date().isoformat()} after "
            f"{ctx.settings.no_show_limit} missed appointments; call the practice to book."
        )
    instant = role.booking_mode is BookingMode.INSTANT and role.instant_eligible
    try:
        async with in_transaction() as conn:
            q = SqlBuilder(conn)
            await q.fetch(
                "INSERT INTO slot_booking (role_id, slot_start, booked, capacity)"
                f" VALUES ({q.p(role.pk)}, {q.dt(slot)}, 0, {q.p(role.slot_capacity)})"
                " ON CONFLICT (role_id, slot_start) DO NOTHING"
            )
            u = SqlBuilder(conn)
            taken = await u.fetch(
                "UPDATE slot_booking SET booked = booked + 1"
                f" WHERE role_id = {u.p(role.pk)} AND slot_start = {u.dt(slot)}"
                " AND booked < capacity RETURNING booked"
            )
            if not taken:
                raise Conflict("That slot was just taken: pick another time.", argument="slotStart")
            appointment = await models.Appointment.create(
                using_db=conn,
                patient_id=viewer.patient_id,
                role_id=role.pk,
                slot_start=slot,
                status=AppointmentStatus.BOOKED,
                confirmed=instant,
                guest_name_ciphertext=ctx.cipher.encrypt(guest[0]) if guest else None,
                guest_phone_ciphertext=ctx.cipher.encrypt(guest[1]) if guest else None,
                guest_phone_hash=phone_hash,
                idempotency_key=scoped_key,
            )
    except IntegrityError:
        # The same key raced us: its booking stands, ours rolled back.
        existing = await models.Appointment.get_or_none(idempotency_key=scoped_key)
        if existing is None:
            raise
        return _replay(existing, role_id, input.slot_start)
    await record_booking(info, EventKind.BOOKING_REQUESTED, appointment)
    return BookAppointmentPayload(appointment=Appointment.from_row(appointment), created=True)


def _replay(existing: models.Appointment, role_id: int, slot: datetime) -> BookAppointmentPayload:
    if existing.role_id != role_id or existing.slot_start != slot.astimezone(UTC):
        raise Conflict(
            "This idempotencyKey was used for another booking: use a new key.",
            argument="idempotencyKey",
        )
    return BookAppointmentPayload(appointment=Appointment.from_row(existing), created=False)


async def _visible_appointment(info: Info, global_id: str) -> models.Appointment:
    kind, pk = from_global_id(global_id)
    if kind != "Appointment":
        raise BadUserInput("appointmentId must be the ID of an appointment.", argument="id")
    row = await info.context.loaders.appointment_private_by_id.load(pk)
    if row is None or not await may_see_appointment(info.context.viewer, row):
        raise not_found("appointment")
    return row


async def resolve_cancel_appointment(info: Info, appointment_id: strawberry.ID) -> Appointment:
    """The patient (or the practice) cancels a future booking; its place is freed."""
    viewer = info.context.viewer
    row = await _visible_appointment(info, appointment_id)
    if viewer.is_staff:
        raise Forbidden("Staff cannot cancel on a patient's behalf here.")
    if row.status is not AppointmentStatus.BOOKED:
        raise Conflict(f"The appointment is {row.status.value.lower()}: it cannot be cancelled.")
    if row.slot_start <= datetime.now(UTC):
        raise Conflict("The appointment has started: it cannot be cancelled.")
    async with in_transaction() as conn:
        updated = (
            await models.Appointment.filter(id=row.pk, status=AppointmentStatus.BOOKED)
            .using_db(conn)
            .update(status=AppointmentStatus.CANCELLED)
        )
        if not updated:
            raise Conflict("The appointment changed meanwhile: reload it.")
        if row.role_id is not None:
            q = SqlBuilder(conn)
            await q.fetch(
                "UPDATE slot_booking SET booked = booked - 1"
                f" WHERE role_id = {q.p(row.role_id)} AND slot_start = {q.dt(row.slot_start)}"
                " AND booked > 0 RETURNING booked"
            )
    row.status = AppointmentStatus.CANCELLED
    return Appointment.from_row(row)


async def resolve_mark_appointment(
    info: Info, appointment_id: strawberry.ID, outcome: AppointmentOutcome
) -> Appointment:
    """The treating partner records what happened; instant booking follows the honoured rate."""
    partner_id = require_partner(info.context.viewer)
    status = AppointmentStatus(outcome.value)
    row = await _visible_appointment(info, appointment_id)
    if await appointment_partner_id(row) != partner_id:
        raise not_found("appointment")
    if row.status is not AppointmentStatus.BOOKED:
        raise Conflict(f"The appointment is already {row.status.value.lower()}.")
    if row.slot_start > datetime.now(UTC):
        raise Conflict("The appointment has not started yet.")
    await models.Appointment.filter(id=row.pk).update(status=status)
    row.status = status
    if status is AppointmentStatus.HONOURED:
        await record_booking(info, EventKind.BOOKING_HONOURED, row)
        await queue_feedback_request(row, info.context.settings)
    if row.role_id is not None:
        await refresh_instant_booking(info, row.role_id)
    return Appointment.from_row(row)


async def refresh_instant_booking(info: Info, role_id: int) -> bool:
    """Withdraw or restore instant booking from the practice's latest outcomes."""
    settings = info.context.settings
    recent: list[Any] = await (
        models.Appointment.filter(
            role_id=role_id,
            status__in=[AppointmentStatus.HONOURED, AppointmentStatus.PROVIDER_NO_SHOW],
        )
        .order_by("-slot_start")
        .limit(OUTCOME_WINDOW)
        .values_list("status", flat=True)
    )
    if len(recent) < settings.instant_booking_min_outcomes:
        eligible = True
    else:
        honoured = sum(1 for s in recent if s == AppointmentStatus.HONOURED.value)
        eligible = honoured / len(recent) >= settings.instant_booking_min_honoured_rate
    await models.PractitionerRole.filter(id=role_id).update(instant_eligible=eligible)
    return eligible
