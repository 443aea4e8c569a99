"""`searchHospitals` and `searchDiagnosticCenters`: validate, run the search, shape the page.

Also the argument checks the price searches share (lab test slugs, ratings, page info).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from tortoise.models import Model

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder, models_from_rows
from hmsdesk_graph.errors import BadUserInput
from hmsdesk_graph.loaders.lean import lean_rows
from hmsdesk_graph.pagination import Key, Page, check_first, scope_of
from hmsdesk_graph.resolvers.search import asks_for, locality_ids_for_slugs
from hmsdesk_graph.resolvers.views import HospitalView
from hmsdesk_graph.schema.catalog import city_id_for_slug
from hmsdesk_graph.schema.connection import PageInfo
from hmsdesk_graph.schema.facility_search import (
    DiagnosticCenterFacets,
    DiagnosticCenterSearchConnection,
    DiagnosticCenterSearchEdge,
    DiagnosticCenterSearchFilter,
    DiagnosticCenterSort,
    HospitalFacets,
    HospitalSearchConnection,
    HospitalSearchEdge,
    HospitalSearchFilter,
    HospitalSort,
)
from hmsdesk_graph.schema.providers import DiagnosticCenter, Hospital
from hmsdesk_graph.schema.search import FacetValue, NearInput
from hmsdesk_graph.search.bounds import check_search_text
from hmsdesk_graph.search.facilities import (
    CENTER,
    HOSPITAL,
    FacilitySearch,
    search_count,
    search_facets,
    search_page,
)
from hmsdesk_graph.search.listing import TOTAL, FacetRows
from hmsdesk_graph.search.query import Near
from hmsdesk_graph.search.text import understand

M = TypeVar("M", bound=Model)
F = TypeVar("F", models.Hospital, models.DiagnosticCenter)
E = TypeVar("E")
C = TypeVar("C")
T = TypeVar("T")
# Accreditation bodies a filter may name (the facets list the ones present).
HOSPITAL_ACCREDITATIONS = ("NABH", "JCI", "NABL")
CENTER_ACCREDITATIONS = ("NABL", "CAP")
KIND_LABELS = {"HOSPITAL": "Hospital", "CLINIC": "Clinic", "NURSING_HOME": "Nursing home"}


async def lab_test_ids_for_slugs(slugs: Sequence[str], argument: str) -> tuple[int, ...]:
    """Ids of lab test slugs in the given order; BAD_USER_INPUT naming any unknown one."""
    if not slugs:
        return ()
    q = SqlBuilder()
    rows = await q.fetch(f"SELECT id, slug FROM lab_test WHERE slug {q.in_texts(slugs)}")
    found = {str(r["slug"]): int(r["id"]) for r in rows}
    unknown = [s for s in slugs if s not in found]
    if unknown:
        raise BadUserInput(
            f"Unknown lab test {', '.join(map(repr, unknown))} in `{argument}`:"
            " use a slug from `labTests`.",
            argument=argument,
        )
    return tuple(found[s] for s in slugs)


def rating_centi(min_rating: float | None) -> int | None:
    if min_rating is None:
        return None
    if not 0 <= min_rating <= 5:
        raise BadUserInput("filter.minRating must be between 0 and 5.", argument="minRating")
    return round(min_rating * 100)


def checked_near(near: NearInput | None, sort: str) -> Near | None:
    checked = Near.checked(near.lat, near.lng, near.radius_km) if near else None
    if sort == "DISTANCE" and checked is None:
        raise BadUserInput("sort: DISTANCE needs `near`.", argument="sort")
    return checked


def _accreditations(values: list[str] | None, allowed: tuple[str, ...]) -> tuple[str, ...]:
    names = sorted({v.strip().upper() for v in values or []})
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise BadUserInput(
            f"filter.accreditations: unknown {', '.join(unknown)}; use any of"
            f" {', '.join(allowed)}.",
            argument="accreditations",
        )
    return tuple(names)


def page_info(page: Page, has_more: bool, cursors: list[str]) -> PageInfo:
    return PageInfo(
        has_next_page=has_more,
        has_previous_page=page.after is not None,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


def rows_and_cursors(
    info: Info,
    model: type[M],
    scope: str,
    rows: list[dict[str, Any]],
    keys: list[Key],
    first: int,
    lean: bool = False,
) -> tuple[list[M], list[str], bool]:
    """The visible page as model instances (lean rows with `lean`), their cursors, and whether
    more rows follow."""
    codec = info.context.cursors
    visible = (lean_rows if lean else models_from_rows)(model, rows[:first])
    return visible, [codec.encode(scope, key) for key in keys[:first]], len(rows) > first


async def _specialty_ids(info: Info, slugs: list[str]) -> tuple[int, ...]:
    """One statement for every slug (the loader batches them)."""
    rows = await info.context.loaders.specialty_by_slug.load_many(slugs)
    unknown = [slug for slug, row in zip(slugs, rows, strict=True) if row is None]
    if unknown:
        raise BadUserInput(
            f"Unknown specialty {', '.join(map(repr, unknown))}: use a slug from `specialties`.",
            argument="specialties",
        )
    return tuple(sorted({int(row.pk) for row in rows if row is not None}))


def _scope(field: str, s: FacilitySearch) -> str:
    return scope_of(
        field,
        city=s.city_id,
        text=s.text.terms,
        kinds=s.kinds,
        specialties=s.specialty_ids,
        localities=s.locality_ids,
        accreditations=s.accreditations,
        open=s.open_24x7,
        emergency=s.emergency,
        home=s.home_collection,
        turnaround=s.max_turnaround_hours,
        tests=s.lab_test_ids,
        rating=s.min_rating_centi,
        near=s.near,
        sort=s.sort,
    )


@dataclass(frozen=True)
class _Found(Generic[F]):
    """One page of a facility search: its rows, their cursors and the page info."""

    search: FacilitySearch
    rows: list[F]
    cursors: list[str]
    page_info: PageInfo

    def edges(self, edge: Callable[..., E], node: Callable[[F], object]) -> list[E]:
        near = self.search.near
        return [
            edge(
                cursor=cursor,
                node=node(row),
                sponsored=False,
                distance_km=near.distance_km(row.lat, row.lng) if near else None,
            )
            for row, cursor in zip(self.rows, self.cursors, strict=True)
        ]

    def connection(
        self,
        connection: Callable[..., C],
        edge: Callable[..., E],
        node: Callable[[F], object],
        facets: Callable[[FacetRows], object],
        together: bool = False,
    ) -> C:
        """The search connection: this page's edges; count and facets run when asked for, in
        one statement when both are (`together`)."""
        search = self.search
        if not together:

            async def shaped() -> object:
                return facets(await search_facets(search))

            return connection(
                edges=self.edges(edge, node),
                page_info=self.page_info,
                _count=lambda: search_count(search),
                _facets=shaped,
            )
        both = once(lambda: search_facets(search, with_total=True))

        async def count() -> int:
            return (await both())[TOTAL][0][2]

        async def shaped_together() -> object:
            return facets(await both())

        return connection(
            edges=self.edges(edge, node),
            page_info=self.page_info,
            _count=count,
            _facets=shaped_together,
        )


async def _found(
    info: Info,
    field: str,
    search: FacilitySearch,
    first: int | None,
    after: str | None,
    model: type[F],
    lean: bool = False,
) -> _Found[F]:
    """The page `first` / `after` asks for, with cursors bound to this search (lean rows with
    `lean`)."""
    ctx = info.context
    scope = _scope(field, search)
    page = ctx.cursors.page(scope, first, after, ctx.settings)
    unread = ctx.unread.get(model, frozenset()) if lean else frozenset()
    rows, keys = await search_page(search, page, unread)
    found, cursors, more = rows_and_cursors(info, model, scope, rows, keys, page.first, lean)
    return _Found(search, found, cursors, page_info(page, more, cursors))


def _together(info: Info) -> bool:
    """Whether the request asks for both the count and the facets (one statement then)."""
    asked = info.selected_fields[0].selections if info.selected_fields else []
    return asks_for(asked, "totalCount") and asks_for(asked, "facets")


def once(fn: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
    """Run `fn` at most once however many fields await it (they share one statement)."""
    task: asyncio.Future[T] | None = None

    def call() -> Awaitable[T]:
        nonlocal task
        if task is None:
            task = asyncio.ensure_future(fn())
        return task

    return call


def _values(
    rows: list[tuple[str, str, int]], labels: dict[str, str] | None = None
) -> list[FacetValue]:
    return [FacetValue(value=v, label=(labels or {}).get(v, name), count=n) for v, name, n in rows]


def _hospital_facets(rows: FacetRows) -> HospitalFacets:
    return HospitalFacets(
        kinds=_values(rows["kinds"], KIND_LABELS),
        specialties=_values(rows["specialties"]),
        localities=_values(rows["localities"]),
        accreditations=_values(rows["accreditations"]),
    )


def _center_facets(rows: FacetRows) -> DiagnosticCenterFacets:
    home = {v: n for v, _, n in rows["homeCollection"]}
    return DiagnosticCenterFacets(
        localities=_values(rows["localities"]),
        accreditations=_values(rows["accreditations"]),
        home_collection=[
            FacetValue(value="true", label="Home collection", count=home.get("true", 0)),
            FacetValue(value="false", label="No home collection", count=home.get("false", 0)),
        ],
    )


async def resolve_search_hospitals(
    info: Info,
    city: str,
    query: str | None = None,
    filter: HospitalSearchFilter | None = None,
    near: NearInput | None = None,
    sort: HospitalSort = HospitalSort.RELEVANCE,
    first: int | None = None,
    after: str | None = None,
) -> HospitalSearchConnection:
    """Hospitals, clinics and nursing homes of a city by text, filters and distance."""
    ctx = info.context
    check_search_text(query, "query", ctx.settings)
    check_first(first, ctx.settings)
    f = filter or HospitalSearchFilter()
    city_id = await city_id_for_slug(info, city)
    search = FacilitySearch(
        table=HOSPITAL,
        city_id=city_id,
        text=await understand(query),
        kinds=tuple(sorted({k.value for k in f.kinds or []})),
        specialty_ids=await _specialty_ids(info, f.specialties or []),
        locality_ids=await locality_ids_for_slugs(info, city_id, f.localities or []),
        accreditations=_accreditations(f.accreditations, HOSPITAL_ACCREDITATIONS),
        open_24x7=f.open_24x7,
        emergency=f.emergency,
        min_rating_centi=rating_centi(f.min_rating),
        near=checked_near(near, sort.value),
        sort=sort.value,
    )
    # Lean rows and views on the compiled read path (issue 10); only models prime a loader.
    lean = ctx.lean_reads
    found = await _found(info, "searchHospitals", search, first, after, models.Hospital, lean)
    if not lean:
        ctx.loaders.prime_hospitals(found.rows)
    node = cast(Callable[[models.Hospital], Hospital], HospitalView) if lean else Hospital.from_row
    return found.connection(
        HospitalSearchConnection, HospitalSearchEdge, node, _hospital_facets, _together(info)
    )


async def resolve_search_diagnostic_centers(
    info: Info,
    city: str,
    query: str | None = None,
    filter: DiagnosticCenterSearchFilter | None = None,
    near: NearInput | None = None,
    sort: DiagnosticCenterSort = DiagnosticCenterSort.RELEVANCE,
    first: int | None = None,
    after: str | None = None,
) -> DiagnosticCenterSearchConnection:
    """Diagnostic centers of a city by text, filters and distance."""
    ctx = info.context
    check_search_text(query, "query", ctx.settings)
    check_first(first, ctx.settings)
    f = filter or DiagnosticCenterSearchFilter()
    city_id = await city_id_for_slug(info, city)
    turnaround = f.max_report_turnaround_hours
    if turnaround is not None and turnaround < 1:
        raise BadUserInput(
            "filter.maxReportTurnaroundHours must be at least 1.",
            argument="maxReportTurnaroundHours",
        )
    search = FacilitySearch(
        table=CENTER,
        city_id=city_id,
        text=await understand(query),
        locality_ids=await locality_ids_for_slugs(info, city_id, f.localities or []),
        accreditations=_accreditations(f.accreditations, CENTER_ACCREDITATIONS),
        home_collection=f.home_collection,
        max_turnaround_hours=turnaround,
        lab_test_ids=tuple(
            sorted(set(await lab_test_ids_for_slugs(f.lab_tests or [], "labTests")))
        ),
        min_rating_centi=rating_centi(f.min_rating),
        open_24x7=f.open_24x7,
        near=checked_near(near, sort.value),
        sort=sort.value,
    )
    model = models.DiagnosticCenter
    found = await _found(info, "searchDiagnosticCenters", search, first, after, model)
    ctx.loaders.prime_diagnostic_centers(found.rows)
    edge, node = DiagnosticCenterSearchEdge, DiagnosticCenter.from_row
    return found.connection(
        DiagnosticCenterSearchConnection, edge, node, _center_facets, _together(info)
    )
