"""Who visits whom: a compact plan of every appointment and review, made before any row.

Planning first lets the denormalised rating counters of practitioners, hospitals and centers
be written with their rows (they precede reviews because of the foreign keys) and still equal
the aggregates of the reviews written later. The plan holds a few bytes per appointment in
flat arrays, so a million appointments cost tens of megabytes, not a million objects.
"""

from __future__ import annotations

import random
from array import array
from dataclasses import dataclass

from hmsdesk_graph.seed.chance import apportion, sample_count, stream
from hmsdesk_graph.seed.clock import DAY, HOUR, MINUTE, local_day0, local_weekday
from hmsdesk_graph.seed.drafts import World

PAST_DAYS = 540
FUTURE_DAYS = 14

BOOKED, HONOURED, CANCELLED, PATIENT_NO_SHOW, PROVIDER_NO_SHOW = range(5)
STATUS_NAMES = ("BOOKED", "HONOURED", "CANCELLED", "PATIENT_NO_SHOW", "PROVIDER_NO_SHOW")

PUBLISHED, PENDING, REJECTED = 1, 2, 3
REVIEW_STATUS_NAMES = ("", "PUBLISHED", "PENDING", "REJECTED")

GUEST_SHARE = 0.04
PRACTITIONER_REVIEW_SHARE = 0.72
HOSPITAL_REVIEW_SHARE = 0.15
CENTER_REVIEW_SHARE = 0.5

_RATING_CUM = (0.06, 0.10, 0.19, 0.44, 1.0)  # P(rating <= r) for r = 1..5: skewed positive
_RECOMMEND = (0.0, 0.02, 0.08, 0.45, 0.88, 0.97)  # P(recommend | rating)


def review_code(rating: int, recommend: bool, status: int) -> int:
    """One byte per planned review: rating (bits 0-2), recommend (bit 3), status (bits 4-5)."""
    return rating | (8 if recommend else 0) | (status << 4)


def decode_review(code: int) -> tuple[int, bool, int]:
    return code & 7, bool(code & 8), code >> 4


@dataclass
class Tally:
    """Published-review aggregates per entity id (index 0 unused)."""

    count: array[int]
    total: array[int]
    recommend: array[int]
    stars: tuple[array[int], ...]  # per rating 1 to 5 (db.derived's rating_stars)

    @classmethod
    def sized(cls, n: int) -> Tally:
        def zeros() -> array[int]:
            return array("i", [0]) * (n + 1)

        return cls(zeros(), zeros(), zeros(), tuple(zeros() for _ in range(5)))

    def add(self, entity_id: int, code: int) -> None:
        rating, recommend, status = decode_review(code)
        if status == PUBLISHED:
            self.count[entity_id] += 1
            self.total[entity_id] += rating
            self.recommend[entity_id] += recommend
            self.stars[rating - 1][entity_id] += 1

    def per_star(self, entity_id: int) -> list[int]:
        """Published reviews of the entity per rating 1 to 5."""
        return [by_star[entity_id] for by_star in self.stars]


@dataclass
class VisitPlan:
    place: array[int]  # role id (> 0) or minus the diagnostic center id
    slot: array[int]  # seconds from the reference instant
    created: array[int]
    patient: array[int]  # 0: a guest booking
    status: bytearray
    review_main: bytearray  # review of the practitioner (role visits) or the center
    review_hospital: bytearray  # review of the role's hospital
    order: array[int]  # appointment ids follow booking time: id = position in `order` + 1
    patient_ranges: list[tuple[int, int]]  # per city: first patient id, number of patients
    patient_first_booking: array[int]
    role_honoured: array[int]
    practitioners: Tally
    hospitals: Tally
    centers: Tally

    @property
    def appointments(self) -> int:
        return len(self.place)

    @property
    def reviews(self) -> int:
        count = len(self.review_main) - self.review_main.count(0)
        return count + len(self.review_hospital) - self.review_hospital.count(0)


def _rating(rng: random.Random, quality: float) -> int:
    u = rng.random()
    rating = next(r for r, edge in enumerate(_RATING_CUM, start=1) if u < edge)
    if quality > 0 and rating < 5 and rng.random() < min(0.6, quality * 0.4):
        rating += 1
    elif quality < 0 and rating > 1 and rng.random() < min(0.6, -quality * 0.4):
        rating -= 1
    return rating


def _review(rng: random.Random, quality: float, slot: int) -> int:
    rating = _rating(rng, quality)
    recommend = rng.random() < _RECOMMEND[rating]
    if slot > -7 * DAY:  # recent reviews are still waiting for moderation
        status = PENDING if rng.random() < 0.65 else PUBLISHED
    else:
        status = REJECTED if rng.random() < (0.08 if rating <= 2 else 0.04) else PUBLISHED
    return review_code(rating, recommend, status)


def _status(rng: random.Random, slot: int) -> int:
    u = rng.random()
    if slot > -3 * HOUR:
        return BOOKED if u < 0.92 else CANCELLED
    if u < 0.80:
        return HONOURED
    if u < 0.91:
        return CANCELLED
    return PATIENT_NO_SHOW if u < 0.98 else PROVIDER_NO_SHOW


def _lead_seconds(rng: random.Random) -> int:
    if rng.random() < 0.35:
        return rng.randint(30, 600) * MINUTE
    return rng.randint(1, 10) * DAY + rng.randint(0, 600) * MINUTE


class _Builder:
    def __init__(self, world: World) -> None:
        self.world = world
        self.rng = stream(world.seed, "visits")
        self.place: array[int] = array("i")
        self.slot: array[int] = array("i")
        self.created: array[int] = array("i")
        self.patient: array[int] = array("i")
        self.status = bytearray()
        self.review_main = bytearray()
        self.review_hospital = bytearray()
        counts = apportion(world.scale.patients, [c.weight for c in world.vocab.cities])
        self.patient_ranges: list[tuple[int, int]] = []
        next_id = 1
        for count in counts:
            self.patient_ranges.append((next_id, count))
            next_id += count
        # 0 until a patient's first booking is planned (every booking is before the reference).
        self.first_booking = array("i", [0]) * (world.scale.patients + 1)

    def _patient(self, city: int, created: int) -> int:
        start, count = self.patient_ranges[city]
        if count == 0 or self.rng.random() < GUEST_SHARE:
            return 0
        pid = start + self.rng.randrange(count)
        if created < self.first_booking[pid]:
            self.first_booking[pid] = created
        return pid

    def _append(self, place: int, slot: int, city: int, bookable: bool = True) -> int:
        created = min(slot - _lead_seconds(self.rng), -MINUTE)
        status = _status(self.rng, slot)
        if status == BOOKED and not bookable:
            status = CANCELLED
        self.place.append(place)
        self.slot.append(slot)
        self.created.append(created)
        self.patient.append(self._patient(city, created))
        self.status.append(status)
        return status


def build_plan(world: World) -> VisitPlan:
    """Plan every appointment and review of the world, deterministically."""
    b = _Builder(world)
    rng = b.rng
    scale = world.scale
    prac = Tally.sized(len(world.practitioners))
    hosp = Tally.sized(len(world.hospitals))
    cent = Tally.sized(len(world.centers))
    role_honoured = array("i", [0]) * (len(world.roles) + 1)
    mean_pop = sum(p.popularity for p in world.practitioners) / max(1, len(world.practitioners))
    # Day offsets count local (IST) calendar days; day 0 is the reference's local date.
    day0 = local_day0()
    monday = -PAST_DAYS - (local_weekday() - PAST_DAYS) % 7  # the Monday starting the window
    weeks = (PAST_DAYS + FUTURE_DAYS) // 7 + 2
    low, high = -PAST_DAYS * DAY, FUTURE_DAYS * DAY
    for p in world.practitioners:
        roles = [world.roles[r - 1] for r in p.role_ids]
        if not roles:
            continue
        n = sample_count(rng, scale.visits_per_practitioner * p.popularity / mean_pop)
        shares = [r.share for r in roles]
        taken: set[tuple[int, int]] = set()
        for _ in range(n):
            role = rng.choices(roles, shares)[0] if len(roles) > 1 else roles[0]
            for _attempt in range(4):
                weekday, start, end = rng.choice(role.sessions)
                minute = start + role.slot_minutes * rng.randrange(
                    max(1, (end - start) // role.slot_minutes)
                )
                day = monday + 7 * rng.randrange(weeks) + weekday
                slot = day0 + day * DAY + minute * MINUTE
                if low <= slot <= high and (role.id, slot) not in taken:
                    break
            else:
                continue
            taken.add((role.id, slot))
            status = b._append(role.id, slot, p.city, p.active)
            main = hospital = 0
            if status == HONOURED:
                role_honoured[role.id] += 1
                if rng.random() < PRACTITIONER_REVIEW_SHARE:
                    main = _review(rng, p.quality, slot)
                    prac.add(p.id, main)
                if rng.random() < HOSPITAL_REVIEW_SHARE:
                    h = world.hospitals[role.hospital_id - 1]
                    hospital = _review(rng, h.quality, slot)
                    hosp.add(h.id, hospital)
            b.review_main.append(main)
            b.review_hospital.append(hospital)
    mean_center = sum(c.popularity for c in world.centers) / max(1, len(world.centers))
    for c in world.centers:
        n = sample_count(rng, scale.visits_per_center * c.popularity / mean_center)
        for _ in range(n):
            day = rng.randrange(-PAST_DAYS, FUTURE_DAYS)
            slot = day0 + day * DAY + (420 + 15 * rng.randrange(48)) * MINUTE
            status = b._append(-c.id, slot, c.city)
            main = 0
            if status == HONOURED and rng.random() < CENTER_REVIEW_SHARE:
                main = _review(rng, c.quality, slot)
                cent.add(c.id, main)
            b.review_main.append(main)
            b.review_hospital.append(0)
    created = b.created
    order = array("i", sorted(range(len(created)), key=created.__getitem__))
    return VisitPlan(
        place=b.place,
        slot=b.slot,
        created=created,
        patient=b.patient,
        status=b.status,
        review_main=b.review_main,
        review_hospital=b.review_hospital,
        order=order,
        patient_ranges=b.patient_ranges,
        patient_first_booking=b.first_booking,
        role_honoured=role_honoured,
        practitioners=prac,
        hospitals=hosp,
        centers=cent,
    )
