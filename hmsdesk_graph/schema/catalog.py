"""Reference types: cities, localities, specialties and lab tests."""

from __future__ import annotations

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.errors import BadUserInput
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.schema.columns import columns
from hmsdesk_graph.schema.enums import SystemOfMedicine
from hmsdesk_graph.schema.node import Node


@strawberry.type(description="A city HMSDESK lists providers in.")
class City(Node):
    slug: str
    name: str
    state: str
    lat: float
    lng: float

    @classmethod
    def from_row(cls, row: models.City) -> City:
        return cls(
            id=to_global_id("City", row.pk), **columns(row, "slug", "name", "state", "lat", "lng")
        )


@strawberry.type(description="A neighbourhood of a city.")
class Locality:
    slug: str
    name: str
    lat: float
    lng: float

    @classmethod
    def from_row(cls, row: models.Locality) -> Locality:
        return cls(**columns(row, "slug", "name", "lat", "lng"))


@strawberry.type(description="A medical specialty, with the words patients use for it.")
class Specialty(Node):
    slug: str
    name: str
    synonyms: list[str]
    symptoms: list[str]
    system: SystemOfMedicine

    @classmethod
    def from_row(cls, row: models.Specialty) -> Specialty:
        return cls(
            id=to_global_id("Specialty", row.pk),
            **columns(row, "slug", "name", "system"),
            synonyms=list(row.synonyms),
            symptoms=list(row.symptoms),
        )


@strawberry.type(description="A diagnostic test.")
class LabTest(Node):
    slug: str
    name: str
    category: str
    sample_type: str
    fasting_hours: int
    parameters_count: int
    synonyms: list[str]

    @classmethod
    def from_row(cls, row: models.LabTest) -> LabTest:
        return cls(
            id=to_global_id("LabTest", row.pk),
            **columns(
                row, "slug", "name", "category", "sample_type", "fasting_hours", "parameters_count"
            ),
            synonyms=list(row.synonyms),
        )


async def specialty_id_for_slug(info: Info, slug: str) -> int:
    """The id of a specialty slug used as a filter; BAD_USER_INPUT when unknown."""
    row = await info.context.loaders.specialty_by_slug.load(slug)
    if row is None:
        raise BadUserInput(
            f"Unknown specialty {slug!r}: use a slug from `specialties`.", argument="specialty"
        )
    return int(row.pk)


async def city_id_for_slug(info: Info, slug: str) -> int:
    """The id of a city slug used as a filter; BAD_USER_INPUT when unknown."""
    row = await info.context.loaders.city_by_slug.load(slug)
    if row is None:
        raise BadUserInput(f"Unknown city {slug!r}: use a slug from `cities`.", argument="city")
    return int(row.pk)
