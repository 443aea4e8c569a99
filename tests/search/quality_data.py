"""A Pune of two doctors per specialty, for search-quality tests.

Every specialty comes from the seed's real vocabulary (synonyms, symptoms, the Hindi / Marathi
vernacular), so the tests judge the words patients type against the words the product ships.
The doctors patients should NOT get for a specialty query are the best rated: homoeopaths,
Ayurveda practitioners and general physicians carry many five-star stories, so only
understanding the query (not popularity) can put the right specialty first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import (
    BookingMode,
    Gender,
    HospitalKind,
    ReviewStatus,
    TargetKind,
)
from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.search.text import forget_vocabulary
from hmsdesk_graph.seed.vocabulary import load_vocabulary

LOCALITIES = (
    "kothrud", "aundh", "baner", "viman-nagar", "hadapsar", "shivaji-nagar", "camp", "kondhwa",
)  # fmt: skip
FIRST_NAMES = (
    "Meera", "Rohan", "Anjali", "Vikram", "Sneha", "Aditya", "Pooja", "Nikhil", "Kavita",
    "Sanjay", "Priya", "Amit", "Neha", "Rahul", "Shruti", "Tushar",
)  # fmt: skip
SURNAMES = (
    "Joshi", "Kulkarni", "Deshmukh", "Gokhale", "Shinde", "Pawar", "Bhide", "Apte", "Kale",
    "Sathe", "Ranade", "Karve", "Phadke", "Gadgil", "Limaye",
)  # fmt: skip
# Popular with patients, and wrong for most specialty queries: they must not win on ratings.
FAVOURITES = {"homoeopath": 40, "ayurveda": 30, "general-physician": 20}
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Doctor:
    slug: str
    name: str
    specialty: str
    locality: str


@dataclass
class QualityWorld:
    doctors: dict[str, Doctor] = field(default_factory=dict)  # by slug

    def of(self, specialty: str) -> list[Doctor]:
        return [d for d in self.doctors.values() if d.specialty == specialty]


async def build_quality_world() -> QualityWorld:
    """Pune, eight localities with a clinic each, and two doctors per specialty."""
    vocab = load_vocabulary()
    pune_info = next(c for c in vocab.cities if c.slug == "pune")
    pune = await models.City.create(
        slug="pune", name="Pune", state=pune_info.state, lat=pune_info.lat, lng=pune_info.lng
    )
    clinics: dict[str, int] = {}
    for slug in LOCALITIES:
        info = next(loc for loc in pune_info.localities if loc.slug == slug)
        locality = await models.Locality.create(
            city=pune, slug=slug, name=info.name, lat=info.lat, lng=info.lng, zone=info.zone
        )
        clinic = await models.Hospital.create(
            slug=f"{slug}-polyclinic",
            name=f"{info.name} Polyclinic",
            kind=HospitalKind.CLINIC,
            city=pune,
            locality=locality,
            address=f"{info.roads[0] if info.roads else info.name}, Pune",
            lat=info.lat,
            lng=info.lng,
        )
        clinics[slug] = int(clinic.pk)
    world = QualityWorld()
    practitioners, links, roles, reviews = [], [], [], []
    number = 0
    for k, spec in enumerate(vocab.specialties):
        specialty = await models.Specialty.create(
            slug=spec.slug,
            name=spec.name,
            synonyms=spec.search_synonyms,
            symptoms=list(spec.symptoms),
            system=spec.system,
        )
        for j, locality in enumerate((LOCALITIES[k % 8], LOCALITIES[(k + 3) % 8])):
            number += 1
            pid = 5000 + number
            name = f"Dr. {FIRST_NAMES[number % 16]} {SURNAMES[(number * 7) % 15]}"
            slug = f"dr-{spec.slug}-{j + 1}"
            world.doctors[slug] = Doctor(slug, name, spec.slug, locality)
            practitioners.append(
                models.Practitioner(
                    id=pid,
                    slug=slug,
                    name=name,
                    gender=Gender.FEMALE if number % 2 else Gender.MALE,
                    city_id=pune.pk,
                    registration_number=f"MMC-{pid}",
                    council="Maharashtra Medical Council",
                    practising_since=2000 + number % 20,
                    languages=["English", "Hindi", "Marathi"],
                    conditions=list(spec.conditions),
                    services=list(spec.services),
                    verified=True,
                )
            )
            links.append(
                models.PractitionerSpecialty(
                    practitioner_id=pid, specialty_id=specialty.pk, is_primary=True
                )
            )
            roles.append(
                models.PractitionerRole(
                    practitioner_id=pid,
                    hospital_id=clinics[locality],
                    consultation_fee_paise=spec.fee[0] * 100,
                    weekly_hours={"MON": [["09:00", "13:00"]]},
                    booking_mode=BookingMode.REQUEST,
                )
            )
            stories = FAVOURITES.get(spec.slug, 1)
            for _ in range(stories):
                reviews.append(
                    models.Review(
                        target_kind=TargetKind.PRACTITIONER,
                        practitioner_id=pid,
                        rating=5 if spec.slug in FAVOURITES else 3,
                        recommend=True,
                        text="Helpful",
                        author_display_name="Verified patient",
                        anonymous=True,
                        status=ReviewStatus.PUBLISHED,
                        created_at=T0,
                    )
                )
    await models.Practitioner.bulk_create(practitioners)
    await models.PractitionerSpecialty.bulk_create(links)
    await models.PractitionerRole.bulk_create(roles)
    await models.Review.bulk_create(reviews)
    await refresh_search_columns()
    forget_vocabulary()
    return world
