"""What every booking shares, a practice slot or a diagnostic center's collection window.

Who may book (a signed-in patient or a guest), the idempotency key scoped to the booker, the
slot's time and weekly hours, the no-show pause, and the atomic place: a conditional UPDATE on
a counter row inside the same transaction as the appointment insert, so concurrent bookings of
the last place get exactly one success and a failure midway rolls both back.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import strawberry
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import normalise_phone
from hmsdesk_graph.db.enums import AppointmentStatus, VisitKind
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.errors import BadUserInput, Conflict, Forbidden
from hmsdesk_graph.guards.ratelimit import Limit
from hmsdesk_graph.identity.auth import Role
from hmsdesk_graph.identity.permissions import require_active_patient
from hmsdesk_graph.search.practitioners import IST

_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
NO_SHOW_WINDOW = timedelta(days=365)
NO_SHOW_PAUSE = timedelta(days=122)  # about four months
BOOKING_HORIZON = timedelta(days=90)


@strawberry.input(description="Who the booking is for, when booking without an account.")
class GuestInput:
    name: str
    phone: str


@dataclass(frozen=True)
class Booker:
    """The patient or guest making a booking, and their idempotency key scoped to them."""

    patient_id: int | None
    guest: tuple[str, str] | None  # (name, normalised phone)
    phone_hash: str | None
    scoped_key: str
    owner: str  # the patient's subject, or the guest's phone hash: what limits count


def check_guest(guest: GuestInput) -> tuple[str, str]:
    """The guest's cleaned name and normalised phone, or BAD_USER_INPUT naming the field."""
    name = " ".join(guest.name.split())
    if not 2 <= len(name) <= 80:
        raise BadUserInput("guest.name must be 2 to 80 characters.", argument="guest.name")
    phone = normalise_phone(guest.phone)
    if not re.fullmatch(r"\+91[6-9][0-9]{9}", phone):
        # Never echo the number back: error messages may be logged.
        raise BadUserInput("guest.phone must be an Indian mobile number.", argument="guest.phone")
    return name, phone


async def identify_booker(info: Info, idempotency_key: str, guest: GuestInput | None) -> Booker:
    """A signed-in active patient books for themself; anyone else books as a guest."""
    ctx = info.context
    viewer = ctx.viewer
    if viewer.role not in (Role.PATIENT, Role.ANONYMOUS):
        raise Forbidden("Bookings are made by patients or guests.")
    if not _KEY.match(idempotency_key):
        raise BadUserInput(
            "idempotencyKey must be 8 to 128 letters, digits or _ . : -", argument="idempotencyKey"
        )
    contact: tuple[str, str] | None = None
    if viewer.role is Role.PATIENT:
        await require_active_patient(info)
        if guest is not None:
            raise BadUserInput("Signed-in patients book for themselves: leave out guest.")
    elif guest is None:
        raise BadUserInput("Give guest { name phone } or sign in to book.", argument="guest")
    else:
        contact = check_guest(guest)
    assert ctx.cipher is not None
    phone_hash = ctx.cipher.lookup_hash(contact[1], "phone") if contact else None
    owner = viewer.subject if viewer.role is Role.PATIENT else f"guest:{phone_hash}"
    # Scoped to the booker: one guest's key can never replay (and reveal) another's booking.
    scoped_key = hashlib.sha256(f"{owner}|{idempotency_key}".encode()).hexdigest()
    return Booker(viewer.patient_id, contact, phone_hash, scoped_key, owner)


def check_slot_time(slot: datetime, now: datetime) -> None:
    """A slot is in the future, at most 90 days ahead, with an explicit offset."""
    if slot.tzinfo is None:
        raise BadUserInput("slotStart needs a UTC offset, e.g. 2026-12-01T10:30:00+05:30.")
    if slot <= now:
        raise BadUserInput("slotStart is in the past.", argument="slotStart")
    if slot > now + BOOKING_HORIZON:
        raise BadUserInput("Bookings open at most 90 days ahead.", argument="slotStart")


def within_weekly_hours(hours: dict[str, Any] | None, minutes: int, slot: datetime) -> bool:
    """Whether `slot` starts a `minutes`-long slot on the grid of one of the day's sessions."""
    local = slot.astimezone(IST)
    at = local.hour * 60 + local.minute
    for opens, closes in (hours or {}).get(WEEKDAYS[local.weekday()], []):
        start = int(opens[:2]) * 60 + int(opens[3:5])
        end = int(closes[:2]) * 60 + int(closes[3:5])
        on_grid = (at - start) % minutes == 0 and local.second == 0
        if start <= at and at + minutes <= end and on_grid:
            return True
    return False


async def _paused_until(booker: Booker, now: datetime, limit: int) -> datetime | None:
    query = models.Appointment.filter(
        status=AppointmentStatus.PATIENT_NO_SHOW, slot_start__gte=now - NO_SHOW_WINDOW
    )
    if booker.patient_id is not None:
        query = query.filter(patient_id=booker.patient_id)
    elif booker.phone_hash is not None:
        query = query.filter(guest_phone_hash=booker.phone_hash)
    else:
        return None
    slots: list[Any] = (
        await query.order_by("-slot_start").limit(limit).values_list("slot_start", flat=True)
    )
    if len(slots) < limit:
        return None
    until: datetime = slots[0] + NO_SHOW_PAUSE  # the no-show that made it `limit` starts it
    return until if until > now else None


async def count_booking(info: Info, booker: Booker) -> None:
    """Count a booking about to be made against the booker's limit (RATE_LIMITED when over).

    Called after replays and refusals, so they cost nothing; concurrent retries of one
    idempotency key count once. Per patient, or per guest phone (its keyed hash): one clinic's
    wifi books for many guests.
    """
    await info.context.limit(Limit.BOOKINGS, booker.owner, action=booker.scoped_key)


async def refuse_when_paused(info: Info, booker: Booker, now: datetime) -> None:
    """FORBIDDEN while the booker's recent no-shows pause online booking."""
    limit = info.context.settings.no_show_limit
    until = await _paused_until(booker, now, limit)
    if until is not None:
        raise Forbidden(
            f"Online booking is paused until {until.date().isoformat()} after "
            f"{limit} missed appointments; call the practice to book."
        )


@dataclass(frozen=True)
class Place:
    """One counted place: a counter table, its owner columns, a slot start and its capacity.

    Table and column names come from this code, never from input.
    """

    table: str
    owner: tuple[tuple[str, Any], ...]
    slot: datetime
    capacity: int

    def where(self, q: SqlBuilder) -> str:
        owned = " AND ".join(f"{column} = {q.p(value)}" for column, value in self.owner)
        return f"{owned} AND slot_start = {q.dt(self.slot)}"


def practice_place(role: models.PractitionerRole, slot: datetime) -> Place:
    """A practice's slot, counted in `slot_booking`."""
    return Place("slot_booking", (("role_id", role.pk),), slot, role.slot_capacity)


def center_place(center_id: int, kind: VisitKind, slot: datetime, capacity: int) -> Place:
    """A diagnostic center's collection window for one kind of visit (at the center, at home)."""
    owner = (("diagnostic_center_id", center_id), ("visit_kind", kind.value))
    return Place("center_slot_booking", owner, slot, capacity)


def appointment_place(row: models.Appointment) -> Place | None:
    """The counted place an appointment holds (its capacity is not needed to free it)."""
    if row.role_id is not None:
        return Place("slot_booking", (("role_id", row.role_id),), row.slot_start, 0)
    if row.diagnostic_center_id is not None:
        return center_place(row.diagnostic_center_id, row.visit_kind, row.slot_start, 0)
    return None


async def take_place(conn: BaseDBAsyncClient, place: Place) -> bool:
    """Take one place if one is left (the counter row is made on first use)."""
    q = SqlBuilder(conn)
    columns = [c for c, _ in place.owner]
    values = [q.p(v) for _, v in place.owner]
    await q.fetch(
        f"INSERT INTO {place.table} ({', '.join(columns)}, slot_start, booked, capacity)"
        f" VALUES ({', '.join(values)}, {q.dt(place.slot)}, 0, {q.p(place.capacity)})"
        f" ON CONFLICT ({', '.join(columns)}, slot_start) DO NOTHING"
    )
    u = SqlBuilder(conn)
    taken = await u.fetch(
        f"UPDATE {place.table} SET booked = booked + 1"
        f" WHERE {place.where(u)} AND booked < capacity RETURNING booked"
    )
    return bool(taken)


async def free_place(conn: BaseDBAsyncClient, place: Place) -> None:
    """Give one place back (never below zero)."""
    q = SqlBuilder(conn)
    await q.fetch(
        f"UPDATE {place.table} SET booked = booked - 1"
        f" WHERE {place.where(q)} AND booked > 0 RETURNING booked"
    )


class SlotTaken(Exception):
    """The place went to another booking inside our transaction (rolled back)."""


SLOT_TAKEN = "That slot was just taken: pick another time."


async def book_place(
    place: Place,
    scoped_key: str,
    create: Callable[[BaseDBAsyncClient], Awaitable[models.Appointment]],
) -> tuple[models.Appointment, bool]:
    """Take the place and insert the appointment in one transaction: (appointment, created).

    A concurrent retry with the same key may have won (it took the place or inserted the key
    first): its booking stands and comes back with created=False; ours rolled back.
    """
    try:
        async with in_transaction() as conn:
            if not await take_place(conn, place):
                raise SlotTaken
            appointment = await create(conn)
    except (IntegrityError, SlotTaken) as exc:
        existing = await models.Appointment.get_or_none(idempotency_key=scoped_key)
        if existing is not None:
            return existing, False
        if isinstance(exc, SlotTaken):
            raise Conflict(SLOT_TAKEN, argument="slotStart") from None
        raise
    return appointment, True
