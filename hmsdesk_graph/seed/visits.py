"""Rows for patients, appointments and the slot counters of upcoming bookings.

Every personal value (patient and guest names, phones, emails) is written only as ciphertext
plus a keyed lookup hash; the plaintext names are kept in memory just long enough to derive
reviewers' public display names.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.seed.chance import chance, stream
from hmsdesk_graph.seed.clock import DAY, MINUTE, at, local_day0
from hmsdesk_graph.seed.drafts import World
from hmsdesk_graph.seed.facilities import CENTER_WINDOW_MINUTES, center_capacities
from hmsdesk_graph.seed.facilities import address as home_address
from hmsdesk_graph.seed.people import NameMaker, email_address, phone_number, sealed
from hmsdesk_graph.seed.plan import BOOKED, CANCELLED, STATUS_NAMES, VisitPlan
from hmsdesk_graph.seed.prices import PriceBook
from hmsdesk_graph.seed.tables import Row, TableRows

PATIENT_COLUMNS = (
    "id", "name_ciphertext", "phone_ciphertext", "phone_hash", "email_ciphertext", "email_hash",
    "city_id", "created_at", "erased_at",
)  # fmt: skip
APPOINTMENT_COLUMNS = (
    "id", "patient_id", "role_id", "diagnostic_center_id", "package_id", "visit_kind",
    "slot_start", "status", "guest_name_ciphertext", "guest_phone_ciphertext", "guest_phone_hash",
    "idempotency_key", "created_at", "updated_at", "window_end", "collection_address_ciphertext",
    "home_collection_fee_paise",
)  # fmt: skip
SLOT_BOOKING_COLUMNS = ("id", "role_id", "slot_start", "booked", "capacity")
CENTER_SLOT_BOOKING_COLUMNS = (
    "id", "diagnostic_center_id", "slot_start", "visit_kind", "booked", "capacity",
)  # fmt: skip

_PATIENT_PHONE_SALT = 31
_GUEST_PHONE_SALT = 37


@dataclass
class People:
    """Plaintext names of patients and guests, in memory only (for review display names)."""

    first: list[str]  # by patient id (index 0 unused)
    last: list[str]
    guests: dict[int, tuple[str, str]] = field(default_factory=dict)  # appointment id -> name
    slot_bookings: list[Row] = field(default_factory=list)
    # Upcoming center visits per (center id, window start offset, visit kind).
    center_bookings: dict[tuple[int, int, str], int] = field(default_factory=dict)

    def name_of(self, patient_id: int, appointment_id: int) -> tuple[str, str]:
        if patient_id:
            return self.first[patient_id], self.last[patient_id]
        return self.guests.get(appointment_id, ("", ""))


def name_patients(world: World, plan: VisitPlan) -> People:
    rng = stream(world.seed, "patient-names")
    first, last = [""], [""]
    for city_index, (_start, count) in enumerate(plan.patient_ranges):
        names = NameMaker(world.vocab, world.vocab.cities[city_index])
        for _ in range(count):
            f, s = names.person(rng, chance(rng, 0.5))
            first.append(f)
            last.append(s)
    return People(first, last)


def patient_rows(world: World, plan: VisitPlan, people: People, cipher: FieldCipher) -> TableRows:
    rng = stream(world.seed, "patient-rows")

    def rows() -> Iterator[Row]:
        for city_index, (start, count) in enumerate(plan.patient_ranges):
            for pid in range(start, start + count):
                first, last = people.first[pid], people.last[pid]
                phone_ct = phone_hash = email_ct = email_hash = None
                if chance(rng, 0.9):
                    phone_ct, phone_hash = sealed(
                        cipher, phone_number(pid, _PATIENT_PHONE_SALT), "phone"
                    )
                if chance(rng, 0.7):
                    email_ct, email_hash = sealed(
                        cipher, email_address(first, last, pid, "p"), "email"
                    )
                booked = plan.patient_first_booking[pid]
                signed_up = (booked if booked else -rng.randint(1, 600) * DAY) - rng.randint(
                    1, 60
                ) * DAY
                yield (
                    pid, cipher.encrypt(f"{first} {last}"), phone_ct, phone_hash, email_ct,
                    email_hash, city_index + 1, at(signed_up), None,
                )  # fmt: skip

    return TableRows("patient", PATIENT_COLUMNS, rows(), world.scale.patients)


def appointment_rows(
    world: World, plan: VisitPlan, book: PriceBook, people: People, cipher: FieldCipher
) -> TableRows:
    """Appointments in booking-time order; fills `people.guests` and the slot counters."""
    rng = stream(world.seed, "appointment-rows")
    # Its own stream, so adding addresses left every other seeded value as it was.
    address_rng = stream(world.seed, "collection-addresses")
    makers = [NameMaker(world.vocab, city) for city in world.vocab.cities]
    day0 = local_day0()

    def rows() -> Iterator[Row]:
        for position, i in enumerate(plan.order):
            appointment_id = position + 1
            place, slot, created = plan.place[i], plan.slot[i], plan.created[i]
            status = plan.status[i]
            patient_id = plan.patient[i]
            window_end = address = fee = None
            if place > 0:
                role = world.roles[place - 1]
                city = world.practitioners[role.practitioner_id - 1].city
                role_id, center_id, kind = place, None, "CONSULTATION"
                package = book.consultation_of[role.practitioner_id] or None
                if status == BOOKED:
                    people.slot_bookings.append(
                        (len(people.slot_bookings) + 1, place, at(slot), 1, role.slot_capacity)
                    )
            else:
                center = world.centers[-place - 1]
                city = center.city
                role_id, center_id = None, center.id
                home = center.home_collection and chance(rng, 0.35)
                kind = "HOME_COLLECTION" if home else "WALK_IN"
                count = book.center_count[center.id]
                package = book.center_first[center.id] + rng.randrange(count) if count else None
                # A center visit books the collection window it falls in.
                slot -= (slot - day0) % (CENTER_WINDOW_MINUTES * MINUTE)
                window_end = at(slot + CENTER_WINDOW_MINUTES * MINUTE)
                if home:
                    locality = world.locality(center.locality_id)
                    address = cipher.encrypt(home_address(address_rng, world, locality))
                    fee = center.home_collection_fee_paise
                if status == BOOKED:
                    window = (center.id, slot, kind)
                    people.center_bookings[window] = people.center_bookings.get(window, 0) + 1
            guest_name = guest_phone = guest_hash = None
            if not patient_id:
                first, last = makers[city].person(rng, chance(rng, 0.5))
                people.guests[appointment_id] = (first, last)
                guest_name = cipher.encrypt(f"{first} {last}")
                phone = phone_number(appointment_id, _GUEST_PHONE_SALT)
                guest_phone, guest_hash = sealed(cipher, phone, "phone")
            if status == BOOKED:
                updated = created
            elif status == CANCELLED:
                updated = created + int((min(slot, 0) - created) * rng.random())
            else:  # marked honoured or no-show shortly after the slot
                updated = min(slot + rng.randint(30, 120) * MINUTE, -MINUTE)
            key = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            yield (
                appointment_id, patient_id or None, role_id, center_id, package, kind, at(slot),
                STATUS_NAMES[status], guest_name, guest_phone, guest_hash, key, at(created),
                at(max(updated, created)), window_end, address, fee,
            )  # fmt: skip

    return TableRows("appointment", APPOINTMENT_COLUMNS, rows(), plan.appointments)


def slot_booking_rows(people: People) -> TableRows:
    """Counters for the upcoming booked slots (known once the appointments are generated)."""
    rows = people.slot_bookings
    return TableRows("slot_booking", SLOT_BOOKING_COLUMNS, iter(rows), len(rows), cheap=True)


def center_slot_booking_rows(world: World, people: People) -> TableRows:
    """Counters of the centers' upcoming booked windows (never below what was booked)."""
    centers = {c.id: c for c in world.centers}

    def rows() -> Iterator[Row]:
        for n, ((center_id, slot, kind), booked) in enumerate(
            sorted(people.center_bookings.items()), start=1
        ):
            walk_in, home = center_capacities(centers[center_id])
            capacity = home if kind == "HOME_COLLECTION" else walk_in
            yield (n, center_id, at(slot), kind, booked, max(capacity, booked))

    count = len(people.center_bookings)
    return TableRows("center_slot_booking", CENTER_SLOT_BOOKING_COLUMNS, rows(), count)
