"""Bookings: book (atomic capacity, idempotent), cancel, and the practice's outcome marks.

Capacity is a conditional UPDATE on the slot's counter inside the same transaction as the
appointment insert: concurrent bookings of the last place get exactly one success; a failure
midway rolls both back. No HTTP call happens inside the transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import Enum

import strawberry
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import AppointmentStatus, BookingMode, EventKind
from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.errors import (
    BadUserInput,
    Conflict,
    Forbidden,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from hmsdesk_graph.identity.auth import Role
from hmsdesk_graph.identity.global_ids import pk_of
from hmsdesk_graph.identity.permissions import (
    appointment_partner_id,
    may_see_appointment,
    not_found,
    require_active_patient,
    require_partner,
    require_signed_in,
)
from hmsdesk_graph.instant_booking import earned
from hmsdesk_graph.loaders.availability import WINDOW_DAYS, today_ist
from hmsdesk_graph.loaders.care import load_outcome_records
from hmsdesk_graph.reach.tracking import record_booking
from hmsdesk_graph.resolvers.booking_rules import (
    SLOT_TAKEN,
    GuestInput,
    SlotTaken,
    appointment_place,
    book_place,
    check_slot_time,
    count_booking,
    free_place,
    identify_booker,
    practice_place,
    refuse_when_paused,
    take_place,
    within_weekly_hours,
)
from hmsdesk_graph.schema.care import Appointment
from hmsdesk_graph.search.practitioners import IST
from hmsdesk_graph.workers.outbox import queue_feedback_request


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
    slot_checked_against: SlotCheck | None = strawberry.field(
        default=None,
        description="What the slot was checked against (null on a replay of an earlier booking).",
    )


@strawberry.enum(description="What a booked slot was checked against.")
class SlotCheck(Enum):
    LIVE = "LIVE"
    LAST_KNOWN_AVAILABILITY = "LAST_KNOWN_AVAILABILITY"
    WEEKLY_HOURS = "WEEKLY_HOURS"


@strawberry.enum(description="What happened at an appointment, as the practice reports it.")
class AppointmentOutcome(Enum):
    HONOURED = "HONOURED"
    PATIENT_NO_SHOW = "PATIENT_NO_SHOW"
    PROVIDER_NO_SHOW = "PROVIDER_NO_SHOW"


def _decode_role_id(global_id: str) -> int:
    return pk_of(
        global_id, "PractitionerRole", "practitionerRoleId must be the ID of a practice.", "id"
    )


_NOT_OFFERED = (
    "slotStart is not one of the open slots this practice offers: pick one that availability lists."
)


async def _check_offered(info: Info, role: models.PractitionerRole, slot: datetime) -> SlotCheck:
    """A slot inside the practice system's window must be one it offers (live, or the last
    slots it gave while it is down); other slots are checked against the weekly hours."""
    day = slot.astimezone(IST).date()
    today = today_ist()
    if not today <= day < today + timedelta(days=WINDOW_DAYS):
        _check_weekly_hours(role, slot)
        return SlotCheck.WEEKLY_HOURS
    loaders = info.context.loaders
    try:
        offered = await loaders.slots_by_role_id.load(role.pk)
    except (UpstreamUnavailable, UpstreamTimeout):
        # Down, with nothing kept within HMSDESK_STALE_MAX_AGE_S by any worker.
        _check_weekly_hours(role, slot)
        return SlotCheck.WEEKLY_HOURS
    kept = loaders.stale_slots.get(role.pk)
    if kept is not None:
        # Down: the last slots it gave (the shared store, so whichever worker showed them).
        if not kept.covers(day) or not kept.slots:
            _check_weekly_hours(role, slot)
            return SlotCheck.WEEKLY_HOURS
        if slot not in set(kept.slots):
            raise BadUserInput(_NOT_OFFERED, argument="slotStart")
        return SlotCheck.LAST_KNOWN_AVAILABILITY
    if not offered:
        # The practice system lists nothing for the whole window: the practice is not on it.
        _check_weekly_hours(role, slot)
        return SlotCheck.WEEKLY_HOURS
    if slot not in set(offered):
        raise BadUserInput(_NOT_OFFERED, argument="slotStart")
    return SlotCheck.LIVE


def _check_weekly_hours(role: models.PractitionerRole, slot: datetime) -> None:
    if not within_weekly_hours(role.weekly_hours, role.slot_minutes, slot):
        raise BadUserInput(
            "slotStart is not one of this practice's slots: pick a time within its weekly hours.",
            argument="slotStart",
        )


async def resolve_book_appointment(
    info: Info, input: BookAppointmentInput
) -> BookAppointmentPayload:
    """Book a slot for the signed-in patient or a guest; the same key never books twice."""
    ctx = info.context
    now = datetime.now(UTC)
    booker = await identify_booker(info, input.idempotency_key, input.guest)
    role_id = _decode_role_id(input.practitioner_role_id)
    existing = await models.Appointment.get_or_none(idempotency_key=booker.scoped_key)
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
    check_slot_time(input.slot_start, now)
    slot = input.slot_start.astimezone(UTC)
    checked = await _check_offered(info, role, slot)
    await refuse_when_paused(info, booker, now)
    await count_booking(info, booker)
    instant = role.booking_mode is BookingMode.INSTANT and role.instant_eligible
    assert ctx.cipher is not None
    cipher = ctx.cipher
    guest = booker.guest

    async def create(conn: BaseDBAsyncClient) -> models.Appointment:
        return await models.Appointment.create(
            using_db=conn,
            patient_id=booker.patient_id,
            role_id=role.pk,
            slot_start=slot,
            status=AppointmentStatus.BOOKED,
            confirmed=instant,
            guest_name_ciphertext=cipher.encrypt(guest[0]) if guest else None,
            guest_phone_ciphertext=cipher.encrypt(guest[1]) if guest else None,
            guest_phone_hash=booker.phone_hash,
            idempotency_key=booker.scoped_key,
        )

    appointment, created = await book_place(practice_place(role, slot), booker.scoped_key, create)
    if not created:
        return _replay(appointment, role_id, input.slot_start)
    await record_booking(info, EventKind.BOOKING_REQUESTED, appointment)
    return BookAppointmentPayload(
        appointment=Appointment.from_row(appointment), created=True, slot_checked_against=checked
    )


def _replay(existing: models.Appointment, role_id: int, slot: datetime) -> BookAppointmentPayload:
    if existing.role_id != role_id or existing.slot_start != slot.astimezone(UTC):
        raise Conflict(
            "This idempotencyKey was used for another booking: use a new key.",
            argument="idempotencyKey",
        )
    return BookAppointmentPayload(appointment=Appointment.from_row(existing), created=False)


async def _visible_appointment(info: Info, global_id: str) -> models.Appointment:
    pk = pk_of(global_id, "Appointment", "appointmentId must be the ID of an appointment.", "id")
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
        place = appointment_place(row)
        if place is not None:
            await free_place(conn, place)
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
    # Conditional: of concurrent marks only the one that still sees BOOKED applies.
    applied = await models.Appointment.filter(id=row.pk, status=AppointmentStatus.BOOKED).update(
        status=status
    )
    if not applied:
        raise Conflict("The appointment was marked meanwhile: reload it.")
    row.status = status
    if status is AppointmentStatus.HONOURED:
        await record_booking(info, EventKind.BOOKING_HONOURED, row)
        await queue_feedback_request(row, info.context.settings)
    if row.role_id is not None:
        await refresh_instant_booking(info, row.role_id)
    return Appointment.from_row(row)


async def refresh_instant_booking(info: Info, role_id: int) -> bool:
    """Withdraw or grant instant booking from the practice's latest outcomes, and keep the
    practitioner's search column in step, in one transaction."""
    settings = info.context.settings
    async with in_transaction() as conn:
        record = (await load_outcome_records([role_id], conn))[0]
        eligible = earned(
            record,
            settings.instant_booking_min_outcomes,
            settings.instant_booking_min_honoured_rate,
        )
        role = await models.PractitionerRole.get(id=role_id, using_db=conn)
        if role.instant_eligible != eligible:
            await (
                models.PractitionerRole.filter(id=role_id)
                .using_db(conn)
                .update(instant_eligible=eligible)
            )
            await refresh_search_columns(practitioner_ids=[role.practitioner_id])
    return eligible


@strawberry.input(description="Move a booked appointment to another slot of the same practice.")
class RescheduleAppointmentInput:
    appointment_id: strawberry.ID
    slot_start: datetime = strawberry.field(
        description="One of the slots `availability` offers (any UTC offset)."
    )


@strawberry.type
class RescheduleAppointmentPayload:
    appointment: Appointment
    rescheduled: bool = strawberry.field(
        description="False when the appointment already had this slot (a retry changes nothing)."
    )
    slot_checked_against: SlotCheck | None = strawberry.field(
        default=None, description="What the new slot was checked against (null on a retry)."
    )


class _MovedMeanwhile(Exception):
    """The appointment changed between reading and moving it (rolled back)."""


async def resolve_reschedule_appointment(
    info: Info, input: RescheduleAppointmentInput
) -> RescheduleAppointmentPayload:
    """The patient or the treating partner moves a booking; the old place is freed only when
    the new one is taken, in one transaction."""
    viewer = info.context.viewer
    require_signed_in(viewer)
    if viewer.role is Role.PATIENT:
        await require_active_patient(info)
    elif viewer.role is not Role.PARTNER:
        raise Forbidden("Appointments are moved by the patient or the treating practice.")
    row = await _visible_appointment(info, input.appointment_id)
    now = datetime.now(UTC)
    check_slot_time(input.slot_start, now)
    slot = input.slot_start.astimezone(UTC)
    if row.status is AppointmentStatus.BOOKED and row.slot_start == slot:
        return RescheduleAppointmentPayload(
            appointment=Appointment.from_row(row), rescheduled=False
        )
    if row.role_id is None:
        raise BadUserInput(
            "Only practice appointments can be moved here.", argument="appointmentId"
        )
    if row.status is not AppointmentStatus.BOOKED:
        raise Conflict(f"The appointment is {row.status.value.lower()}: it cannot be moved.")
    if row.slot_start <= now:
        raise Conflict("The appointment has started: it cannot be moved.")
    role = await models.PractitionerRole.get(id=row.role_id)
    checked = await _check_offered(info, role, slot)
    old = row.slot_start
    try:
        async with in_transaction() as conn:
            if not await take_place(conn, practice_place(role, slot)):
                raise SlotTaken
            moved = (
                await models.Appointment.filter(
                    id=row.pk, status=AppointmentStatus.BOOKED, slot_start=old
                )
                .using_db(conn)
                .update(slot_start=slot)
            )
            if not moved:
                raise _MovedMeanwhile
            await free_place(conn, practice_place(role, old))
    except (SlotTaken, _MovedMeanwhile) as exc:
        # A concurrent retry of the same move may have won: then this one is that retry.
        current = await models.Appointment.get(id=row.pk)
        if current.status is AppointmentStatus.BOOKED and current.slot_start == slot:
            return RescheduleAppointmentPayload(
                appointment=Appointment.from_row(current), rescheduled=False
            )
        if isinstance(exc, SlotTaken):
            raise Conflict(SLOT_TAKEN, argument="slotStart") from None
        raise Conflict("The appointment changed meanwhile: reload it.") from None
    row.slot_start = slot
    return RescheduleAppointmentPayload(
        appointment=Appointment.from_row(row), rescheduled=True, slot_checked_against=checked
    )
