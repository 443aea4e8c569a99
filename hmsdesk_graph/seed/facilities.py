"""Rows for partners, hospitals / clinics / nursing homes and diagnostic centers."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime

from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.seed.chance import chance, stream
from hmsdesk_graph.seed.clock import DAY, at, day, reference_year
from hmsdesk_graph.seed.derived import CenterTests, hospital_document
from hmsdesk_graph.seed.drafts import (
    CLINIC,
    HOSPITAL,
    NURSING_HOME,
    CenterDraft,
    LocalityRef,
    World,
)
from hmsdesk_graph.seed.people import landline_number, phone_number, sealed
from hmsdesk_graph.seed.plan import Tally, VisitPlan
from hmsdesk_graph.seed.prices import PriceBook
from hmsdesk_graph.seed.tables import Row, TableRows

PARTNER_COLUMNS = ("id", "slug", "name", "email_ciphertext", "email_hash", "created_at")
HOSPITAL_COLUMNS = (
    "id", "slug", "name", "kind", "city_id", "locality_id", "partner_id", "address", "lat", "lng",
    "beds", "icu_beds", "established", "accreditations", "amenities", "open_24x7", "emergency",
    "phone_ciphertext", "phone_hash", "rating_count", "rating_sum", "recommend_count",
    "created_at", "updated_at", "search_text", "specialty_ids", "rating_stars",
)  # fmt: skip
HOSPITAL_SPECIALTY_COLUMNS = ("id", "hospital_id", "specialty_id")
CENTER_COLUMNS = (
    "id", "slug", "name", "city_id", "locality_id", "partner_id", "address", "lat", "lng",
    "accreditations", "home_collection", "home_collection_fee_paise", "report_turnaround_hours",
    "open_24x7", "phone_ciphertext", "phone_hash", "rating_count", "rating_sum",
    "recommend_count", "created_at", "updated_at", "weekly_hours", "collection_window_minutes",
    "collection_capacity", "home_collection_capacity", "search_text", "rating_stars",
)  # fmt: skip
# Sample collection every day from 07:00 to 19:00 in one-hour windows: the visit plan places
# center visits in those hours (seed.plan), and seed.visits books each visit's window.
CENTER_HOURS = {d: [["07:00", "19:00"]] for d in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")}
CENTER_WINDOW_MINUTES = 60

_ESTABLISHED = {HOSPITAL: (1965, 2022), NURSING_HOME: (1975, 2023), CLINIC: (1990, 2025)}
_OPEN_24X7 = {HOSPITAL: 0.85, NURSING_HOME: 0.5, CLINIC: 0.03}
_EMERGENCY = {HOSPITAL: 0.9, NURSING_HOME: 0.4, CLINIC: 0.0}
# Phone-number salts keep each kind of number in its own sequence.
_HOSPITAL_PHONE_SALT = 23
_CENTER_PHONE_SALT = 29


def address(rng: random.Random, world: World, loc: LocalityRef) -> str:
    words = world.vocab.providers
    city = world.vocab.cities[loc.city]
    prefix = rng.choice(words.building_prefixes).format(n=rng.randint(1, 250))
    building = rng.choice(words.building_names)
    road = rng.choice(loc.info.roads)
    place = f"{loc.info.name}, {city.name}, {city.state} {loc.info.pincode}"
    return f"{prefix}, {building}, {road}, {place}"


def _accreditations(rng: random.Random, odds: dict[str, float], big: bool) -> list[dict[str, str]]:
    out = []
    for name, probability in odds.items():
        if name == "JCI" and not big:
            continue
        if chance(rng, probability):
            # Some certificates lapsed before the reference date: the API should show that.
            out.append({"name": name, "validUntil": day(rng.randint(-200, 1000)).isoformat()})
    return out


def _timestamps(rng: random.Random) -> tuple[datetime, datetime]:
    created = rng.randint(560, 2000)  # listed before the visits window opens
    updated = rng.randint(0, created - 1)
    return at(-created * DAY), at(-updated * DAY - rng.randint(0, DAY - 1))


def partner_rows(world: World, cipher: FieldCipher) -> TableRows:
    def rows() -> Iterator[Row]:
        for p in world.partners:
            email, email_hash = sealed(cipher, f"{p.slug}@example.com", "email")
            yield (p.id, p.slug, p.name, email, email_hash, at(-p.created_days_ago * DAY))

    return TableRows("partner", PARTNER_COLUMNS, rows(), len(world.partners))


def _rating(tally: Tally, entity_id: int) -> tuple[int, int, int]:
    return tally.count[entity_id], tally.total[entity_id], tally.recommend[entity_id]


def hospital_rows(world: World, plan: VisitPlan, cipher: FieldCipher) -> TableRows:
    rng = stream(world.seed, "hospital-rows")
    words = world.vocab.providers

    def rows() -> Iterator[Row]:
        for h in world.hospitals:
            loc = world.locality(h.locality_id)
            city = world.vocab.cities[h.city]
            low, high = _ESTABLISHED[h.kind]
            amenities = words.amenities[h.kind]
            open_24x7 = chance(rng, _OPEN_24X7[h.kind])
            emergency = chance(rng, _EMERGENCY[h.kind]) and (open_24x7 or h.kind != HOSPITAL)
            if h.kind == CLINIC and chance(rng, 0.5):
                phone = phone_number(h.id, _HOSPITAL_PHONE_SALT)
            else:
                phone = landline_number(h.id, _HOSPITAL_PHONE_SALT, city.std_code)
            phone_ct, phone_hash = sealed(cipher, phone, "phone")
            created, updated = _timestamps(rng)
            place = address(rng, world, loc)
            established = rng.randint(low, min(high, reference_year() - 1))
            accredited = _accreditations(rng, words.hospital_accreditations[h.kind], h.beds >= 200)
            offered = sorted(rng.sample(amenities, rng.randint(3, min(8, len(amenities)))))
            yield (
                h.id, h.slug, h.name, h.kind, h.city + 1, h.locality_id, h.partner_id,
                place, h.lat, h.lng, h.beds, h.icu_beds, established, accredited, offered,
                open_24x7, emergency, phone_ct, phone_hash, *_rating(plan.hospitals, h.id),
                created, updated, hospital_document(world, h.id - 1, accredited, offered),
                sorted(set(h.specialty_ids)), plan.hospitals.per_star(h.id),
            )  # fmt: skip

    return TableRows("hospital", HOSPITAL_COLUMNS, rows(), len(world.hospitals))


def hospital_specialty_rows(world: World) -> TableRows:
    pairs = [(h.id, s) for h in world.hospitals for s in sorted(h.specialty_ids)]
    rows = ((i, h, s) for i, (h, s) in enumerate(pairs, start=1))
    return TableRows("hospital_specialty", HOSPITAL_SPECIALTY_COLUMNS, rows, len(pairs), cheap=True)


def center_capacities(c: CenterDraft) -> tuple[int, int]:
    """Visits at the center and home collections per window (from the id: no random draw, so
    the other columns' random streams stay as they were)."""
    return (4, 6, 8)[c.id % 3], (2, 3, 4)[c.id % 3] if c.home_collection else 0


def center_rows(world: World, plan: VisitPlan, book: PriceBook, cipher: FieldCipher) -> TableRows:
    rng = stream(world.seed, "center-rows")
    tests = CenterTests(world, book)
    odds = world.vocab.providers.center_accreditations

    def rows() -> Iterator[Row]:
        for c in world.centers:
            city = world.vocab.cities[c.city]
            fee = rng.choice((0, 0, 5000, 10000, 15000, 20000)) if c.home_collection else None
            c.home_collection_fee_paise = fee  # what seeded home collections were charged
            phone = landline_number(c.id, _CENTER_PHONE_SALT, city.std_code)
            phone_ct, phone_hash = sealed(cipher, phone, "phone")
            created, updated = _timestamps(rng)
            place = address(rng, world, world.locality(c.locality_id))
            accredited = _accreditations(rng, odds, False)
            yield (
                c.id, c.slug, c.name, c.city + 1, c.locality_id, c.partner_id, place, c.lat,
                c.lng, accredited, c.home_collection, fee, rng.choice((6, 12, 24, 24, 48)),
                chance(rng, 0.1), phone_ct, phone_hash, *_rating(plan.centers, c.id), created,
                updated, CENTER_HOURS, CENTER_WINDOW_MINUTES, *center_capacities(c),
                tests.document(c.id - 1, accredited), plan.centers.per_star(c.id),
            )  # fmt: skip

    return TableRows("diagnostic_center", CENTER_COLUMNS, rows(), len(world.centers))
