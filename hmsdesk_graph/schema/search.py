"""Search screen types: filters, sorts, search connections with sponsored edges and facets."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.schema.connection import SearchConnection
from hmsdesk_graph.schema.enums import Gender
from hmsdesk_graph.schema.providers import AvailabilitySource, Practitioner, PractitionerRole
from hmsdesk_graph.search.query import Near, nearest_of


@strawberry.enum(description="When the practitioner consults.")
class AvailabilityWindow(Enum):
    TODAY = "TODAY"
    TOMORROW = "TOMORROW"
    NEXT_7_DAYS = "NEXT_7_DAYS"


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
    _near: strawberry.Private[Near | None] = None

    @strawberry.field(
        description="Set when searching `near`: the distance to the practitioner's nearest"
        " practice (see `nearestPractice`)."
    )
    async def distance_km(self, info: Info) -> float | None:
        nearest = await self._nearest(info)
        return nearest[1] if nearest else None

    @strawberry.field(
        description="Set when searching `near`: the practice (hospital or clinic) nearest to"
        " the point, which `distanceKm` and the DISTANCE sort measure."
    )
    async def nearest_practice(self, info: Info) -> PractitionerRole | None:
        nearest = await self._nearest(info)
        return PractitionerRole.from_row(nearest[0]) if nearest else None

    async def _nearest(self, info: Info) -> tuple[models.PractitionerRole, float] | None:
        """The practitioner's nearest practice and its distance (km), when searching near."""
        if self._near is None:
            return None
        loaders = info.context.loaders
        roles = await loaders.roles_by_practitioner_id.load(self.node._row.pk)
        places = await loaders.hospital_by_id.load_many([r.hospital_id for r in roles])
        found = nearest_of(
            self._near, [(r.pk, h.lat, h.lng) for r, h in zip(roles, places, strict=True) if h]
        )
        if found is None:
            return None
        role = next(r for r in roles if r.pk == found[0])
        return role, found[1]


@strawberry.type
class PractitionerSearchConnection(SearchConnection[PractitionerSearchEdge, PractitionerFacets]):
    availability_source: AvailabilitySource | None = strawberry.field(
        description="With an availability filter: live slots, the last slots it gave (CACHED,"
        " with a STALE_DATA warning) or weekly hours when the practice system did not answer."
    )
