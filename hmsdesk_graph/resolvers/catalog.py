"""Root fields over the reference vocabularies."""

from __future__ import annotations

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.schema.catalog import City, Specialty


async def resolve_cities(info: Info) -> list[City]:
    """Every city, by name."""
    rows = await models.City.all().order_by("name", "id")
    return [City.from_row(row) for row in rows]


async def resolve_specialties(info: Info) -> list[Specialty]:
    """Every specialty, by name."""
    rows = await models.Specialty.all().order_by("name", "id")
    return [Specialty.from_row(row) for row in rows]
