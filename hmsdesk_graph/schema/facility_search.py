"""Hospital and diagnostic-center search screens: filters, sorts, connections and facets."""

from __future__ import annotations

from enum import Enum

import strawberry

from hmsdesk_graph.schema.connection import SearchConnection, SearchEdge
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
class HospitalSearchEdge(SearchEdge[Hospital]):
    pass


@strawberry.type
class DiagnosticCenterSearchEdge(SearchEdge[DiagnosticCenter]):
    pass


@strawberry.type
class HospitalSearchConnection(SearchConnection[HospitalSearchEdge, HospitalFacets]):
    pass


@strawberry.type
class DiagnosticCenterSearchConnection(
    SearchConnection[DiagnosticCenterSearchEdge, DiagnosticCenterFacets]
):
    pass
