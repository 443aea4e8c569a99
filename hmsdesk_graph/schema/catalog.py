"""Reference types: cities and specialties."""

from __future__ import annotations

from enum import Enum

import strawberry

from hmsdesk_graph.db import enums, models


@strawberry.enum(description="The system of medicine a specialty belongs to.")
class SystemOfMedicine(Enum):
    ALLOPATHY = "ALLOPATHY"
    DENTISTRY = "DENTISTRY"
    AYURVEDA = "AYURVEDA"
    HOMEOPATHY = "HOMEOPATHY"
    PHYSIOTHERAPY = "PHYSIOTHERAPY"


@strawberry.type(description="A city HMSDESK lists providers in.")
class City:
    slug: str
    name: str
    state: str
    lat: float
    lng: float

    @classmethod
    def from_row(cls, row: models.City) -> City:
        return cls(slug=row.slug, name=row.name, state=row.state, lat=row.lat, lng=row.lng)


@strawberry.type(description="A medical specialty, with the words patients use for it.")
class Specialty:
    slug: str
    name: str
    synonyms: list[str]
    symptoms: list[str]
    system: SystemOfMedicine

    @classmethod
    def from_row(cls, row: models.Specialty) -> Specialty:
        return cls(
            slug=row.slug,
            name=row.name,
            synonyms=list(row.synonyms),
            symptoms=list(row.symptoms),
            system=SystemOfMedicine(enums.SystemOfMedicine(row.system).value),
        )
