"""Search screen types: filters, sorts, search connections with sponsored edges and facets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from enum import Enum

import strawberry

from hmsdesk_graph.schema.connection import PageInfo
from hmsdesk_graph.schema.enums import Gender
from hmsdesk_graph.schema.providers import Practitioner


@strawberry.enum(description="When the practitioner consults.")
class AvailabilityWindow(Enum):
    TODAY = "TODAY"
    TOMORROW = "TOMORROW"
    NEXT_7_DAYS = "NEXT_7_DAYS"


@strawberry.enum(description="What decided an availability filter.")
class AvailabilitySource(Enum):
    LIVE = "LIVE"
    WEEKLY_HOURS = "WEEKLY_HOURS"


@strawberry.enum
class PractitionerSort(Enum):
    RELEVANCE = "RELEVANCE"
    STORIES = "STORIES"
    EXPERIENCE = "EXPERIENCE"
    FEE_ASC = "FEE_ASC"
    FEE_DESC = "FEE_DESC"
    DISTANCE = "DISTANCE"
    RATING = "RATING"


@strawberry.input(description="Search around a point.")
class NearInput:
    lat: float
    lng: float
    radius_km: float = 10.0


@strawberry.input
class PractitionerSearchFilter:
    specialties: list[str] | None = strawberry.field(default=None, description="Specialty slugs.")
    localities: list[str] | None = strawberry.field(default=None, description="Locality slugs.")
    gender: Gender | None = None
    min_experience_years: int | None = None
    fee_min: Decimal | None = strawberry.field(default=None, description="Rupees.")
    fee_max: Decimal | None = strawberry.field(default=None, description="Rupees.")
    availability: AvailabilityWindow | None = None
    video_consult: bool | None = None
    languages: list[str] | None = None
    min_reviews: int | None = strawberry.field(default=None, description="Minimum stories.")
    min_rating: float | None = None
    instant_booking: bool | None = None
    hospital: str | None = strawberry.field(default=None, description="A hospital slug.")


@strawberry.type(description="One value of a facet and how many results have it.")
class FacetValue:
    value: str
    label: str
    count: int


@strawberry.type(description="Counts per value, each over the results without its own filter.")
class PractitionerFacets:
    specialties: list[FacetValue]
    localities: list[FacetValue]
    fees: list[FacetValue]
    genders: list[FacetValue]
    availability: list[FacetValue]


@strawberry.type
class PractitionerSearchEdge:
    cursor: str
    node: Practitioner
    sponsored: bool = strawberry.field(description="A paid Reach placement, not a ranking.")
    distance_km: float | None = strawberry.field(description="Set when searching `near`.")


@strawberry.type
class PractitionerSearchConnection:
    edges: list[PractitionerSearchEdge]
    page_info: PageInfo
    availability_source: AvailabilitySource | None = strawberry.field(
        description="With an availability filter: live slots, or weekly hours when the "
        "practice system did not answer."
    )
    _count: strawberry.Private[Callable[[], Awaitable[int]]]
    _facets: strawberry.Private[Callable[[], Awaitable[PractitionerFacets]]]

    @strawberry.field(description="Organic results in all (costs a query).")
    async def total_count(self) -> int:
        return await self._count()

    @strawberry.field(description="Facet counts (computed only when asked for).")
    async def facets(self) -> PractitionerFacets:
        return await self._facets()
