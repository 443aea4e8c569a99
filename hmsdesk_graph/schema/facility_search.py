"""Hospital and diagnostic-center search screens: filters, sorts, connections and facets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum

import strawberry

from hmsdesk_graph.schema.connection import PageInfo
from hmsdesk_graph.schema.enums import HospitalKind
from hmsdesk_graph.schema.providers import DiagnosticCenter, Hospital
from hmsdesk_graph.schema.search import FacetValue


@strawberry.enum
class HospitalSort(Enum):
    RELEVANCE = "RELEVANCE"
    RATING = "RATING"
    STORIES = "STORIES"
    DISTANCE = "DISTANCE"


@strawberry.enum
class DiagnosticCenterSort(Enum):
    RELEVANCE = "RELEVANCE"
    RATING = "RATING"
    STORIES = "STORIES"
    DISTANCE = "DISTANCE"
    REPORT_TIME = strawberry.enum_value("REPORT_TIME", description="Fastest reports first.")


@strawberry.input
class HospitalSearchFilter:
    kinds: list[HospitalKind] | None = strawberry.field(default=None, description="Any of.")
    specialties: list[str] | None = strawberry.field(
        default=None, description="Specialty slugs (any of)."
    )
    localities: list[str] | None = strawberry.field(
        default=None, description="Locality slugs (any of)."
    )
    accreditations: list[str] | None = strawberry.field(
        default=None, description="Currently valid accreditation, any of: NABH, JCI, NABL."
    )
    open_24x7: bool | None = strawberry.field(default=None, name="open24x7")
    emergency: bool | None = None
    min_rating: float | None = strawberry.field(default=None, description="0 to 5 stars.")


@strawberry.input
class DiagnosticCenterSearchFilter:
    localities: list[str] | None = strawberry.field(
        default=None, description="Locality slugs (any of)."
    )
    accreditations: list[str] | None = strawberry.field(
        default=None, description="Currently valid accreditation, any of: NABL, CAP."
    )
    home_collection: bool | None = None
    max_report_turnaround_hours: int | None = None
    lab_tests: list[str] | None = strawberry.field(
        default=None, description="Lab test slugs: centers that price every one of them."
    )
    min_rating: float | None = strawberry.field(default=None, description="0 to 5 stars.")
    open_24x7: bool | None = strawberry.field(default=None, name="open24x7")


@strawberry.type(description="Counts per value, each over the results without its own filter.")
class HospitalFacets:
    kinds: list[FacetValue]
    specialties: list[FacetValue]
    localities: list[FacetValue]
    accreditations: list[FacetValue]


@strawberry.type(description="Counts per value, each over the results without its own filter.")
class DiagnosticCenterFacets:
    localities: list[FacetValue]
    accreditations: list[FacetValue]
    home_collection: list[FacetValue] = strawberry.field(description="Values `true`, `false`.")


@strawberry.type
class HospitalSearchEdge:
    cursor: str
    node: Hospital
    sponsored: bool = strawberry.field(description="A paid Reach placement, not a ranking.")
    distance_km: float | None = strawberry.field(description="Set when searching `near`.")


@strawberry.type
class DiagnosticCenterSearchEdge:
    cursor: str
    node: DiagnosticCenter
    sponsored: bool = strawberry.field(description="A paid Reach placement, not a ranking.")
    distance_km: float | None = strawberry.field(description="Set when searching `near`.")


@strawberry.type
class HospitalSearchConnection:
    edges: list[HospitalSearchEdge]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]
    _facets: strawberry.Private[Callable[[], Awaitable[HospitalFacets]]]

    @strawberry.field(description="Organic results in all (costs a query).")
    async def total_count(self) -> int:
        return await self._count()

    @strawberry.field(description="Facet counts (computed only when asked for).")
    async def facets(self) -> HospitalFacets:
        return await self._facets()


@strawberry.type
class DiagnosticCenterSearchConnection:
    edges: list[DiagnosticCenterSearchEdge]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]
    _facets: strawberry.Private[Callable[[], Awaitable[DiagnosticCenterFacets]]]

    @strawberry.field(description="Organic results in all (costs a query).")
    async def total_count(self) -> int:
        return await self._count()

    @strawberry.field(description="Facet counts (computed only when asked for).")
    async def facets(self) -> DiagnosticCenterFacets:
        return await self._facets()
