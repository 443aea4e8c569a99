"""Root fields over the reference vocabularies."""

from __future__ import annotations

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.pagination import check_first, scope_of
from hmsdesk_graph.resolvers.listing import name_ordered_page
from hmsdesk_graph.schema.catalog import City, LabTest, Specialty
from hmsdesk_graph.schema.connection import Connection
from hmsdesk_graph.search.bounds import check_search_text


async def resolve_cities(info: Info) -> list[City]:
    """Every city, by name."""
    rows = await models.City.all().order_by("name", "id")
    return [City.from_row(row) for row in rows]


async def resolve_specialties(info: Info) -> list[Specialty]:
    """Every specialty, by name."""
    rows = await models.Specialty.all().order_by("name", "id")
    return [Specialty.from_row(row) for row in rows]


async def resolve_lab_tests(
    info: Info, query: str | None = None, first: int | None = None, after: str | None = None
) -> Connection[LabTest]:
    """Lab tests whose name contains `query` (case-insensitive), by name."""
    check_search_text(query, "query", info.context.settings)
    check_first(first, info.context.settings)
    needle = (query or "").strip()

    def where(q: SqlBuilder) -> list[str]:
        return [q.lower_like("t.name", needle)] if needle else ["1 = 1"]

    _rows, connection = await name_ordered_page(
        info,
        models.LabTest,
        where,
        scope_of("labTests", query=needle.lower()),
        first,
        after,
        LabTest.from_row,
    )
    return connection
