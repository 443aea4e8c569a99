"""`searchPackages` and `priceComparison`: validate, run the search, shape the results."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar, cast

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder, models_from_rows
from hmsdesk_graph.errors import BadUserInput
from hmsdesk_graph.loaders.lean import lean_rows
from hmsdesk_graph.pagination import check_first, scope_of
from hmsdesk_graph.resolvers.facility_search import (
    lab_test_ids_for_slugs,
    once,
    page_info,
    rows_and_cursors,
)
from hmsdesk_graph.resolvers.search import _paise as paise
from hmsdesk_graph.resolvers.views import PricePackageView
from hmsdesk_graph.schema.catalog import city_id_for_slug
from hmsdesk_graph.schema.connection import Connection, make_connection
from hmsdesk_graph.schema.enums import Ward
from hmsdesk_graph.schema.money import rupees
from hmsdesk_graph.schema.price_search import (
    ComparisonStats,
    PackageFacets,
    PackageSearchConnection,
    PackageSearchEdge,
    PackageSearchFilter,
    PackageSort,
    PriceComparison,
)
from hmsdesk_graph.schema.providers import PricePackage
from hmsdesk_graph.schema.search import FacetValue
from hmsdesk_graph.search.bounds import check_search_text
from hmsdesk_graph.search.packages import (
    PackageSearch,
    price_stats,
    search_count,
    search_facets,
    search_page,
)
from hmsdesk_graph.search.suggest import lab_tests_named
from hmsdesk_graph.search.text import TextQuery, understand

T = TypeVar("T")
NO_TEXT = TextQuery(raw="", terms=(), specialty_ids=frozenset())


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _facet(rows: list[tuple[str, str, int]]) -> list[FacetValue]:
    return [FacetValue(value=v, label=_label(v), count=n) for v, _, n in rows]


async def _facets(s: PackageSearch) -> PackageFacets:
    rows = await search_facets(s)
    return PackageFacets(
        kinds=_facet(rows["kinds"]),
        wards=_facet(rows["wards"]),
        provider_kinds=_facet(rows["providerKinds"]),
    )


def _scope(field: str, s: PackageSearch) -> str:
    return scope_of(
        field,
        city=s.city_id,
        text=s.text.terms,
        kind=s.kind,
        ward=s.ward,
        price=(s.price_min_paise, s.price_max_paise),
        provider=s.provider_kind,
        test=s.lab_test_id,
        procedure=s.procedure,
        sort=s.sort,
    )


async def resolve_search_packages(
    info: Info,
    city: str,
    query: str | None = None,
    filter: PackageSearchFilter | None = None,
    sort: PackageSort = PackageSort.RELEVANCE,
    first: int | None = None,
    after: str | None = None,
) -> PackageSearchConnection:
    """Price packages offered in a city, by text and filters, in the chosen order."""
    ctx = info.context
    check_search_text(query, "query", ctx.settings)
    check_first(first, ctx.settings)
    f = filter or PackageSearchFilter()
    city_id = await city_id_for_slug(info, city)
    price_min, price_max = paise(f.price_min, "priceMin"), paise(f.price_max, "priceMax")
    if price_min is not None and price_max is not None and price_min > price_max:
        raise BadUserInput("filter.priceMin must not exceed filter.priceMax.", argument="priceMin")
    lab_tests = await lab_test_ids_for_slugs([f.lab_test] if f.lab_test else [], "labTest")
    text = await understand(query)
    search = PackageSearch(
        city_id=city_id,
        text=text,
        text_lab_test_ids=await lab_tests_named(text.terms),
        kind=f.kind.value if f.kind else None,
        ward=f.ward.value if f.ward else None,
        price_min_paise=price_min,
        price_max_paise=price_max,
        provider_kind=f.provider_kind.value if f.provider_kind else None,
        lab_test_id=lab_tests[0] if lab_tests else None,
        sort=sort.value,
    )
    scope = _scope("searchPackages", search)
    page = ctx.cursors.page(scope, first, after, ctx.settings)
    rows, keys = await search_page(search, page)
    packages, cursors, more = rows_and_cursors(
        info, models.PricePackage, scope, rows, keys, page.first
    )
    return PackageSearchConnection(
        edges=[
            PackageSearchEdge(
                cursor=cursor, node=PricePackage.from_row(p), sponsored=False, distance_km=None
            )
            for p, cursor in zip(packages, cursors, strict=True)
        ],
        page_info=page_info(page, more, cursors),
        _count=lambda: search_count(search),
        _facets=lambda: _facets(search),
    )


async def _check_procedure(procedure: str) -> None:
    """A procedure slug is known when some provider prices it (the procedure index answers)."""
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT 1 AS found FROM price_package WHERE procedure = {q.p(procedure)} LIMIT 1"
    )
    if not rows:
        raise BadUserInput(
            f"Unknown procedure {procedure!r}: no provider prices it.", argument="procedure"
        )


def _median_rupees(median_paise: Decimal) -> Decimal:
    """Rupees with two decimals, or three when the median falls on half a paisa (exact)."""
    if median_paise == median_paise.to_integral_value():
        return rupees(int(median_paise))
    return (median_paise / 100).quantize(Decimal("0.001"))


async def _stats(s: PackageSearch) -> ComparisonStats:
    stats = await price_stats(s)
    return ComparisonStats(
        count=stats.count,
        min=None if stats.min is None else rupees(stats.min),
        median=None if stats.median is None else _median_rupees(stats.median),
        max=None if stats.max is None else rupees(stats.max),
        approximate=stats.approximate,
    )


async def resolve_price_comparison(
    info: Info,
    city: str,
    lab_test: str | None = None,
    procedure: str | None = None,
    ward: Ward | None = None,
) -> PriceComparison:
    """Min / median / max and the offers, cheapest first, for one lab test or procedure."""
    ctx = info.context
    if (lab_test is None) == (procedure is None):
        raise BadUserInput(
            "Pass exactly one of `labTest` or `procedure`.",
            argument="labTest" if lab_test is not None else "procedure",
        )
    if lab_test is not None and ward is not None:
        raise BadUserInput("`ward` applies to procedures, not lab tests.", argument="ward")
    city_id = await city_id_for_slug(info, city)
    if lab_test is not None:
        (test_id,) = await lab_test_ids_for_slugs([lab_test], "labTest")
        search = PackageSearch(
            city_id=city_id, text=NO_TEXT, kind="LAB_TEST", lab_test_id=test_id, sort="PRICE_ASC"
        )
    elif procedure is not None:  # always, after the check above
        await _check_procedure(procedure)
        search = PackageSearch(
            city_id=city_id,
            text=NO_TEXT,
            procedure=procedure,
            ward=ward.value if ward else None,
            sort="PRICE_ASC",
        )
    stats = once(lambda: _stats(search))

    async def offers(first: int | None, after: str | None) -> Connection[PricePackage]:
        scope = _scope("priceComparison.offers", search)
        page = ctx.cursors.page(scope, first, after, ctx.settings)
        rows, _ = await search_page(search, page)
        # Lean rows on the compiled read path (issue 10): no model built per offer.
        lean = ctx.lean_reads
        packages = (lean_rows if lean else models_from_rows)(models.PricePackage, rows)
        view = cast(Callable[[Any], PricePackage], PricePackageView)
        node = view if lean else PricePackage.from_row

        async def count() -> int:
            return (await stats()).count

        return make_connection(
            packages,
            page,
            scope=scope,
            codec=ctx.cursors,
            key=lambda p: (p.price_min_paise, p.pk),  # the PRICE_ASC keys
            node=node,
            count=count,
        )

    return PriceComparison(_stats=stats, _offers=offers)
