"""Rows for practitioners, their specialties and their practices (PractitionerRole)."""

from __future__ import annotations

import random
from array import array
from collections.abc import Iterator
from typing import Any

from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.seed.chance import Picker, chance, stream
from hmsdesk_graph.seed.clock import DAY, at, reference_year
from hmsdesk_graph.seed.derived import (
    PRACTITIONER_ID_LISTS,
    PRACTITIONER_SEARCH_COLUMNS,
    FacetTally,
    RoleChoices,
    practitioner_search,
)
from hmsdesk_graph.seed.drafts import PractitionerDraft, RoleDraft, World
from hmsdesk_graph.seed.people import email_address, phone_number, sealed
from hmsdesk_graph.seed.plan import VisitPlan
from hmsdesk_graph.seed.tables import Row, TableRows
from hmsdesk_graph.seed.vocabulary import CityInfo, College, DegreePath, SpecialtyInfo

PRACTITIONER_COLUMNS = (
    "id", "slug", "name", "gender", "city_id", "partner_id", "registration_number", "council",
    "qualifications", "practising_since", "languages", "conditions", "services", "about",
    "verified", "status", "phone_ciphertext", "phone_hash", "email_ciphertext", "email_hash",
    "rating_count", "rating_sum", "recommend_count", "created_at", "updated_at",
    *PRACTITIONER_SEARCH_COLUMNS, *PRACTITIONER_ID_LISTS, "rating_stars",
)  # fmt: skip
PRACTITIONER_SPECIALTY_COLUMNS = ("id", "practitioner_id", "specialty_id", "is_primary")
ROLE_COLUMNS = (
    "id", "practitioner_id", "hospital_id", "consultation_fee_paise", "video_fee_paise",
    "follow_up_free_days", "weekly_hours", "slot_minutes", "slot_capacity", "booking_mode",
    "instant_eligible", "phone_ciphertext", "phone_hash",
)  # fmt: skip

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
# Honoured appointments a practice needs before instant booking is switched on.
INSTANT_THRESHOLD = 5
_PHONE_SALT = 11
_ROLE_PHONE_SALT = 17
_STEP_GAP = {"nutrition": 2, "mpt": 2}  # years between degrees; 3 for the others
_REGISTRATION_PREFIX = {
    "delhi": "DMC/R/", "karnataka": "KMC-", "telangana": "TSMC/FMR/", "tamil-nadu": "TNMC-",
    "west-bengal": "WBMC-", "gujarat": "G-",
}  # fmt: skip
_FOLLOW_UP_DAYS = Picker([0, 3, 5, 7, 10, 14, 15], [30, 8, 12, 30, 8, 7, 5])


def is_doctor(spec: SpecialtyInfo) -> bool:
    return spec.council != "nutrition"


def _college(rng: random.Random, options: tuple[College, ...], region: str) -> str:
    local = [c for c in options if c.region == region]
    return rng.choice(local if local and chance(rng, 0.65) else options).name


_DEGREE_PICKERS: dict[str, Picker[DegreePath]] = {}


def _degree_picker(spec: SpecialtyInfo) -> Picker[DegreePath]:
    """The specialty's degree paths by weight (built once per specialty)."""
    picker = _DEGREE_PICKERS.get(spec.slug)
    if picker is None:
        picker = Picker(list(spec.degrees), [d.weight for d in spec.degrees])
        _DEGREE_PICKERS[spec.slug] = picker
    return picker


def qualifications(
    rng: random.Random, world: World, p: PractitionerDraft, city: CityInfo
) -> tuple[list[dict[str, Any]], int]:
    """Degrees with colleges and years, and the practising-since year they imply."""
    spec = world.vocab.specialties[p.specialties[0]]
    path = _degree_picker(spec).pick(rng)
    first_year = reference_year() - p.experience - 1
    years = [first_year]
    for _, kind in path.steps[1:]:
        gap = _STEP_GAP.get(kind, 3)
        years.append(years[-1] + gap + rng.randint(0, 1 if gap == 2 else 2))
    overshoot = years[-1] - (reference_year() - 1)
    if overshoot > 0:  # a very young practitioner: shift the whole path back
        years = [y - overshoot for y in years]
    degrees = [
        {
            "degree": degree,
            "college": _college(rng, world.vocab.colleges_for(kind), city.region),
            "year": year,
        }
        for (degree, kind), year in zip(path.steps, years, strict=True)
    ]
    return degrees, years[0] + 1


def _registration(rng: random.Random, spec: SpecialtyInfo, region: str, year: int) -> str:
    n = rng.randint(10000, 99999)
    if spec.council == "medical":
        if region == "maharashtra":
            return f"{year}/{rng.randint(1, 12):02d}/{rng.randint(1000, 9999)}"
        return f"{_REGISTRATION_PREFIX.get(region, '')}{n}"
    prefix = {
        "dental": "A-",
        "ayurveda": "I-",
        "homeopathy": "H-",
        "physio": "PT/",
        "nutrition": "IDA/",
    }
    suffix = "-A" if spec.council == "ayurveda" else ""
    return f"{prefix[spec.council]}{n}{suffix}"


def _languages(rng: random.Random, city: CityInfo) -> list[str]:
    langs = ["English"]
    if "Hindi" in city.languages and chance(rng, 0.85 if city.slug != "chennai" else 0.35):
        langs.append("Hindi")
    regional = [lang for lang in city.languages if lang not in ("English", "Hindi")]
    for i, lang in enumerate(regional):
        if chance(rng, 0.85 if i == 0 else 0.15):
            langs.append(lang)
    return langs


def _about(
    p: PractitionerDraft,
    spec: SpecialtyInfo,
    place: str,
    since: int,
    degrees: list[dict[str, Any]],
    conditions: list[str],
) -> str:
    title = "Dr. " if is_doctor(spec) else ""
    pronoun = "She" if p.female else "He"
    studies = " and ".join(f"{d['degree']} from {d['college']}" for d in degrees[:2])
    treats = ", ".join(c.lower() for c in conditions[:3])
    article = "an" if spec.noun[0].lower() in "aeiou" else "a"
    return (
        f"{title}{p.first} {p.last} is {article} {spec.noun} in {place} with "
        f"{reference_year() - since} years of experience. {pronoun} completed {studies}. "
        f"{pronoun} treats {treats} and more."
    )


def practitioner_rows(
    world: World, plan: VisitPlan, choices: RoleChoices, facets: FacetTally, cipher: FieldCipher
) -> TableRows:
    """Practitioners with their search columns; counts their facets into `facets`."""
    rng = stream(world.seed, "practitioner-rows")
    vocab = world.vocab

    def rows() -> Iterator[Row]:
        tally = plan.practitioners
        for p in world.practitioners:
            city = vocab.cities[p.city]
            specs = [vocab.specialties[i] for i in p.specialties]
            spec = specs[0]
            degrees, since = qualifications(rng, world, p, city)
            conditions = rng.sample(spec.conditions, min(len(spec.conditions), rng.randint(4, 7)))
            services = rng.sample(spec.services, min(len(spec.services), rng.randint(3, 6)))
            for extra in specs[1:]:
                conditions += [c for c in rng.sample(extra.conditions, 2) if c not in conditions]
                services += [s for s in rng.sample(extra.services, 1) if s not in services]
            hospital = world.hospitals[p.hospital_ids[0] - 1] if p.hospital_ids else None
            place = city.name
            if hospital is not None:
                place = f"{world.locality(hospital.locality_id).info.name}, {city.name}"
            phone_ct = phone_hash = email_ct = email_hash = None
            if chance(rng, 0.95):
                phone_ct, phone_hash = sealed(cipher, phone_number(p.id, _PHONE_SALT), "phone")
            if chance(rng, 0.85):
                email = email_address(p.first, p.last, p.id, "dr")
                email_ct, email_hash = sealed(cipher, email, "email")
            created = rng.randint(560, 1500)  # listed before the visits window opens
            yield (
                p.id, p.slug, f"{p.first} {p.last}", "FEMALE" if p.female else "MALE", p.city + 1,
                p.partner_id, _registration(rng, spec, city.region, since),
                vocab.councils[city.region][spec.council], degrees, since,
                _languages(rng, city), conditions, services,
                _about(p, spec, place, since, degrees, conditions), chance(rng, 0.9),
                "ACTIVE" if p.active else "EXPIRED", phone_ct, phone_hash, email_ct,
                email_hash, tally.count[p.id], tally.total[p.id], tally.recommend[p.id],
                at(-created * DAY), at(-rng.randint(0, created - 1) * DAY),
                *practitioner_search(world, p, choices, conditions, services, degrees, facets),
                tally.per_star(p.id),
            )  # fmt: skip

    return TableRows("practitioner", PRACTITIONER_COLUMNS, rows(), len(world.practitioners))


def practitioner_specialty_rows(world: World) -> TableRows:
    def rows() -> Iterator[Row]:
        next_id = 1
        for p in world.practitioners:
            for rank, index in enumerate(p.specialties):
                yield (next_id, p.id, index + 1, rank == 0)
                next_id += 1

    total = sum(len(p.specialties) for p in world.practitioners)
    return TableRows(
        "practitioner_specialty", PRACTITIONER_SPECIALTY_COLUMNS, rows(), total, cheap=True
    )


def weekly_hours(role: RoleDraft) -> dict[str, list[list[str]]]:
    """{"MON": [["09:00", "13:00"], ["17:00", "20:00"]], ...} in local (IST) time."""
    hours: dict[str, list[list[str]]] = {}
    for weekday, start, end in sorted(role.sessions):
        hours.setdefault(WEEKDAYS[weekday], []).append(
            [f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"]
        )
    return hours


def role_choices(world: World, plan: VisitPlan) -> RoleChoices:
    """Each practice's booking mode, own phone and follow-up days, drawn in the role rows'
    stream and order (the practitioners' search columns need the modes before those rows)."""
    rng = stream(world.seed, "role-rows")
    count = len(world.roles)
    choices = RoleChoices([""] * count, bytearray(count), bytearray(count), array("i", [0]) * count)
    for i, role in enumerate(world.roles):
        eligible = plan.role_honoured[role.id] >= INSTANT_THRESHOLD
        u = rng.random()
        if eligible:
            mode = "INSTANT" if u < 0.7 else "REQUEST" if u < 0.95 else "CALL_ONLY"
        else:
            mode = "REQUEST" if u < 0.75 else "CALL_ONLY"
        choices.mode[i] = mode
        choices.eligible[i] = eligible
        choices.phone[i] = chance(rng, 0.7)
        choices.follow_up[i] = _FOLLOW_UP_DAYS.pick(rng)
    return choices


def role_rows(world: World, choices: RoleChoices, cipher: FieldCipher) -> TableRows:
    def rows() -> Iterator[Row]:
        for i, role in enumerate(world.roles):
            phone_ct = phone_hash = None
            if choices.phone[i]:
                phone_ct, phone_hash = sealed(
                    cipher, phone_number(role.id, _ROLE_PHONE_SALT), "phone"
                )
            yield (
                role.id, role.practitioner_id, role.hospital_id, role.fee_paise,
                role.video_fee_paise, choices.follow_up[i], weekly_hours(role),
                role.slot_minutes, role.slot_capacity, choices.mode[i], bool(choices.eligible[i]),
                phone_ct, phone_hash,
            )  # fmt: skip

    return TableRows("practitioner_role", ROLE_COLUMNS, rows(), len(world.roles))
