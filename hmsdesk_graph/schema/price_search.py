"""Price screens: the package search and the price comparison across providers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

import strawberry

from hmsdesk_graph.schema.connection import Connection, SearchConnection, SearchEdge
from hmsdesk_graph.schema.enums import PackageKind, Ward
from hmsdesk_graph.schema.money import CURRENCY
from hmsdesk_graph.schema.providers import PricePackage
from hmsdesk_graph.schema.search import FacetValue


@strawberry.enum(description="Who offers a price.")
class ProviderKind(Enum):
    PRACTITIONER = "PRACTITIONER"
    HOSPITAL = "HOSPITAL"
    DIAGNOSTIC_CENTER = "DIAGNOSTIC_CENTER"


@strawberry.enum
class PackageSort(Enum):
    RELEVANCE = "RELEVANCE"
    PRICE_ASC = strawberry.enum_value("PRICE_ASC", description="Cheapest starting price first.")
    PRICE_DESC = strawberry.enum_value("PRICE_DESC", description="Dearest starting price first.")
    DISCOUNT = strawberry.enum_value("DISCOUNT", description="Largest (list - offer) / list first.")


@strawberry.input
class PackageSearchFilter:
    kind: PackageKind | None = None
    ward: Ward | None = None
    price_min: Decimal | None = strawberry.field(
        default=None, description="Rupees; compared with the starting price."
    )
    price_max: Decimal | None = strawberry.field(
        default=None, description="Rupees; compared with the starting price."
    )
    provider_kind: ProviderKind | None = None
    lab_test: str | None = strawberry.field(
        default=None, description="A lab test slug: packages that include it."
    )


@strawberry.type(description="Counts per value, each over the results without its own filter.")
class PackageFacets:
    kinds: list[FacetValue]
    wards: list[FacetValue]
    provider_kinds: list[FacetValue]


@strawberry.type
class PackageSearchEdge(SearchEdge[PricePackage]):
    pass


@strawberry.type
class PackageSearchConnection(SearchConnection[PackageSearchEdge, PackageFacets]):
    # Only the wording of the count differs from the other screens (kept: the SDL is unchanged).
    @strawberry.field(description="Results in all (costs a query).")
    async def total_count(self) -> int:
        return await self._count()


@dataclass(frozen=True)
class ComparisonStats:
    """What the statistics fields show (rupees)."""

    count: int
    min: Decimal | None
    median: Decimal | None
    max: Decimal | None
    approximate: bool


OffersPage = Callable[[int | None, str | None], Awaitable[Connection[PricePackage]]]


@strawberry.type(
    description="What one lab test or procedure costs across the providers of a city. "
    "Statistics cover every matching offer's starting price, not just one page of offers."
)
class PriceComparison:
    _stats: strawberry.Private[Callable[[], Awaitable[ComparisonStats]]]
    _offers: strawberry.Private[OffersPage]
    currency: str = CURRENCY

    @strawberry.field(description="How many offers match.")
    async def count(self) -> int:
        return (await self._stats()).count

    @strawberry.field(description="The lowest price; null without offers.")
    async def min(self) -> Decimal | None:
        return (await self._stats()).min

    @strawberry.field(
        description="The exact median (the mean of the two middle prices for an even count)."
    )
    async def median(self) -> Decimal | None:
        return (await self._stats()).median

    @strawberry.field(description="The highest price; null without offers.")
    async def max(self) -> Decimal | None:
        return (await self._stats()).max

    @strawberry.field(description="True when any offer's price is approximate.")
    async def approximate(self) -> bool:
        return (await self._stats()).approximate

    @strawberry.field(description="The offers, cheapest first.")
    async def offers(
        self, first: int | None = None, after: str | None = None
    ) -> Connection[PricePackage]:
        return await self._offers(first, after)
