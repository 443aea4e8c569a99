"""`searchPractitioners`: validate the request, run the search, shape the connection."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from strawberry.types.nodes import SelectedField, Selection

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import EventKind, TargetKind
from hmsdesk_graph.db.sql import SqlBuilder, models_from_rows
from hmsdesk_graph.errors import BadUserInput, UpstreamTimeout, UpstreamUnavailable
from hmsdesk_graph.loaders.lean import lean_rows
from hmsdesk_graph.pagination import Page, check_first, scope_of
from hmsdesk_graph.resolvers.views import PractitionerView
from hmsdesk_graph.schema.catalog import city_id_for_slug, specialty_id_for_slug
from hmsdesk_graph.schema.connection import PageInfo
from hmsdesk_graph.schema.providers import AvailabilitySource, Practitioner
from hmsdesk_graph.schema.search import (
    FacetValue,
    NearInput,
    PractitionerFacets,
    PractitionerSearchConnection,
    PractitionerSearchEdge,
    PractitionerSearchFilter,
    PractitionerSort,
)
from hmsdesk_graph.search.bounds import (
    MAX_FEE_PAISE,
    MAX_REVIEWS,
    MAX_YEARS,
    check_at_most,
    check_search_text,
)
from hmsdesk_graph.search.practitioners import (
    IST,
    NO_FACETS,
    FacetCounts,
    PractitionerSearch,
    SearchSummary,
    counted_key,
    search_count,
    search_page_and_ids,
    search_page_summary_and_ids,
    search_summary,
    sort_keys,
)
from hmsdesk_graph.search.query import Near, key_of
from hmsdesk_graph.search.sponsored import complete_rows, placed_ids, sponsored_ids, with_rows
from hmsdesk_graph.search.text import understand
from hmsdesk_graph.shared.cache_run import placed, sponsored_only
from hmsdesk_graph.workers.events import ListingEvent

_KEY_COLUMNS = ("_id", "_k0", "_k1")


def _paise(value: Decimal | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        paise = int((value * 100).to_integral_value())
    except (InvalidOperation, ValueError):
        raise BadUserInput(f"filter.{name} is not an amount in rupees.", argument=name) from None
    if paise < 0:
        raise BadUserInput(f"filter.{name} cannot be negative.", argument=name)
    check_at_most(paise // 100, MAX_FEE_PAISE // 100, f"filter.{name}")
    return paise


async def locality_ids_for_slugs(info: Info, city_id: int, slugs: list[str]) -> tuple[int, ...]:
    """Ids of locality slugs within a city; BAD_USER_INPUT naming any unknown one."""
    if not slugs:
        return ()
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT id, slug FROM locality WHERE city_id = {q.p(city_id)} AND slug {q.in_texts(slugs)}"
    )
    found = {str(r["slug"]): int(r["id"]) for r in rows}
    unknown = [s for s in slugs if s not in found]
    if unknown:
        raise BadUserInput(
            f"Unknown localities for this city: {', '.join(unknown)}.", argument="localities"
        )
    return tuple(sorted(found[s] for s in slugs))


async def build_practitioner_search(
    info: Info,
    city: str,
    query: str | None,
    filter: PractitionerSearchFilter | None,
    near: NearInput | None,
    sort: PractitionerSort,
) -> PractitionerSearch:
    """Check every argument and resolve slugs to ids (one statement per slug kind used)."""
    f = filter or PractitionerSearchFilter()
    city_id = await city_id_for_slug(info, city)
    specialty_ids = tuple(
        sorted({await specialty_id_for_slug(info, slug) for slug in f.specialties or []})
    )
    fee_min, fee_max = _paise(f.fee_min, "feeMin"), _paise(f.fee_max, "feeMax")
    if fee_min is not None and fee_max is not None and fee_min > fee_max:
        raise BadUserInput("filter.feeMin must not exceed filter.feeMax.", argument="feeMin")
    if f.min_rating is not None and not 0 <= f.min_rating <= 5:
        raise BadUserInput("filter.minRating must be between 0 and 5.", argument="minRating")
    for name, value in (
        ("minExperienceYears", f.min_experience_years),
        ("minReviews", f.min_reviews),
    ):
        if value is not None and value < 0:
            raise BadUserInput(f"filter.{name} cannot be negative.", argument=name)
    check_at_most(f.min_experience_years, MAX_YEARS, "filter.minExperienceYears")
    check_at_most(f.min_reviews, MAX_REVIEWS, "filter.minReviews")
    hospital_id = None
    if f.hospital:
        hospital = await info.context.loaders.hospital_by_slug.load(f.hospital)
        if hospital is None:
            raise BadUserInput(f"Unknown hospital {f.hospital!r}.", argument="hospital")
        hospital_id = hospital.pk
    checked_near = Near.checked(near.lat, near.lng, near.radius_km) if near else None
    if sort is PractitionerSort.DISTANCE and checked_near is None:
        raise BadUserInput("sort: DISTANCE needs `near`.", argument="sort")
    return PractitionerSearch(
        city_id=city_id,
        text=await understand(query),
        specialty_ids=specialty_ids,
        locality_ids=await locality_ids_for_slugs(info, city_id, f.localities or []),
        gender=f.gender.value if f.gender else None,
        min_experience_years=f.min_experience_years,
        fee_min_paise=fee_min,
        fee_max_paise=fee_max,
        availability=f.availability.value if f.availability else None,
        video_consult=f.video_consult,
        languages=tuple(sorted(set(f.languages or []))),
        min_reviews=f.min_reviews,
        min_rating_centi=None if f.min_rating is None else round(f.min_rating * 100),
        instant_booking=f.instant_booking,
        hospital_id=hospital_id,
        near=checked_near,
        sort=sort.value,
    )


def _scope(s: PractitionerSearch) -> str:
    return scope_of(
        "searchPractitioners",
        city=s.city_id,
        text=s.text.terms,
        specialties=s.specialty_ids,
        localities=s.locality_ids,
        gender=s.gender,
        experience=s.min_experience_years,
        fee=(s.fee_min_paise, s.fee_max_paise),
        availability=s.availability,
        video=s.video_consult,
        languages=s.languages,
        reviews=s.min_reviews,
        rating=s.min_rating_centi,
        instant=s.instant_booking,
        hospital=s.hospital_id,
        near=s.near,
        sort=s.sort,
    )


def _facet_values(counts: FacetCounts) -> PractitionerFacets:
    return PractitionerFacets(
        specialties=[FacetValue(value=v, label=name, count=n) for v, name, n in counts.specialties],
        localities=[FacetValue(value=v, label=name, count=n) for v, name, n in counts.localities],
        fees=[FacetValue(value=label, label=f"₹{label}", count=n) for label, n in counts.fees],
        genders=[FacetValue(value=g, label=g.title(), count=n) for g, n in counts.genders],
        availability=[
            FacetValue(value=w, label=w.replace("_", " ").title(), count=n)
            for w, n in counts.availability
        ],
    )


def asks_for(selections: Iterable[Selection], name: str) -> bool:
    """Whether a selection set asks for a field (through fragments too)."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == name:
                return True
        elif asks_for(selection.selections, name):
            return True
    return False


class _Totals:
    """`totalCount` and `facets` of one search: one statement between them when both are asked."""

    def __init__(
        self,
        search: PractitionerSearch,
        together: bool,
        skip: bool = False,
        known: SearchSummary | None = None,
    ) -> None:
        self.search = search
        self.together = together
        self._lock = asyncio.Lock()
        # Skipped (a render of sponsored edges only, whose totals are never sent): no SQL.
        # Read with the page (`search_page_and_summary`): known, its facets too when `together`.
        self._summary: SearchSummary | None = SearchSummary(0, NO_FACETS) if skip else known

    async def _both(self) -> SearchSummary:
        async with self._lock:
            if self._summary is None:
                self._summary = await search_summary(self.search)
            return self._summary

    async def count(self) -> int:
        if not self.together and self._summary is None:
            return await search_count(self.search)
        return (await self._both()).total

    async def facets(self) -> PractitionerFacets:
        return _facet_values((await self._both()).facets)


def _record_impressions(
    info: Info,
    search: PractitionerSearch,
    organic: list[models.Practitioner],
    sponsored: list[tuple[int, models.Practitioner]],
    first_page: bool,
) -> None:
    recorder = info.context.events
    if recorder is None:
        return
    channel = info.context.channel
    events = [
        ListingEvent(
            kind=EventKind.SPONSORED_IMPRESSION,
            target_kind=TargetKind.PRACTITIONER,
            target_id=p.pk,
            campaign_id=campaign,
            channel=channel,
            city_id=search.city_id,
            position=i + 1,
        )
        for i, (campaign, p) in enumerate(sponsored)
    ]
    events += [
        ListingEvent(
            kind=EventKind.IMPRESSION,
            target_kind=TargetKind.PRACTITIONER,
            target_id=p.pk,
            channel=channel,
            city_id=search.city_id,
            position=i + 1 if first_page else None,
        )
        for i, p in enumerate(organic)
    ]
    recorder.record(events)


def _practitioners(info: Info, rows: Sequence[Any]) -> list[models.Practitioner]:
    """Search rows as practitioners: lean rows on the compiled read path (issue 10)."""
    if info.context.lean_reads:
        return lean_rows(models.Practitioner, rows)
    return models_from_rows(models.Practitioner, rows)


def _node(info: Info, row: models.Practitioner) -> Practitioner:
    if info.context.lean_reads:
        return cast(Practitioner, PractitionerView(row))
    return Practitioner.from_row(row)


LIVE_READ_AHEAD = 3
MAX_LIVE_ROWS = 300


async def _live_available(
    info: Info, practitioners: list[models.Practitioner], window: str, now: datetime
) -> tuple[set[int], datetime | None] | None:
    """Practitioners with an open live slot in the window, and when the oldest kept slots
    among them were given (None: all live); None when the service fails for any of them."""
    loaders = info.context.loaders
    roles = await loaders.roles_by_practitioner_id.load_many([p.pk for p in practitioners])
    role_owner = {r.pk: r.practitioner_id for practice in roles for r in practice}
    try:
        slots = await loaders.slots_by_role_id.load_many(list(role_owner))
    except (UpstreamUnavailable, UpstreamTimeout):
        return None  # weekly hours (already applied in SQL) answer instead
    kept_at = [loaders.stale_slots[r].as_of for r in role_owner if r in loaders.stale_slots]
    today = now.astimezone(IST).date()
    days = {"TODAY": 1, "TOMORROW": 2, "NEXT_7_DAYS": 7}[window]
    first_day = today + timedelta(days=1) if window == "TOMORROW" else today
    last_day = today + timedelta(days=days - 1)
    kept: set[int] = set()
    for role_id, role_slots in zip(role_owner, slots, strict=True):
        for slot in role_slots:
            if slot > now and first_day <= slot.astimezone(IST).date() <= last_day:
                kept.add(role_owner[role_id])
                break
    return kept, min(kept_at, default=None)


async def resolve_search_practitioners(
    info: Info,
    city: str,
    query: str | None = None,
    filter: PractitionerSearchFilter | None = None,
    near: NearInput | None = None,
    sort: PractitionerSort = PractitionerSort.RELEVANCE,
    first: int | None = None,
    after: str | None = None,
) -> PractitionerSearchConnection:
    """Practitioners of a city matching a query and filters, in the chosen order."""
    ctx = info.context
    check_search_text(query, "query", ctx.settings)
    check_first(first, ctx.settings)
    search = await build_practitioner_search(info, city, query, filter, near, sort)
    scope = _scope(search)
    page = ctx.cursors.page(scope, first, after, ctx.settings)
    # The response cache renders a kept answer's new sponsored edges: no organic rows needed.
    only_sponsored = sponsored_only()
    live = search.availability is not None and ctx.upstreams is not None and not only_sponsored
    # A live availability filter drops rows after SQL: read ahead so a page still fills.
    fetch = Page(min(page.first * LIVE_READ_AHEAD, MAX_LIVE_ROWS), page.after) if live else page
    lean = ctx.lean_reads  # lean rows ignore the key columns: no copy to drop them from
    unread = ctx.unread.get(models.Practitioner, frozenset())
    asked = info.selected_fields[0].selections if info.selected_fields else []
    together = asks_for(asked, "facets")
    known: SearchSummary | None = None
    rows: Sequence[Any] = []
    picked: list[tuple[int, Any]] = []
    if page.after is None:
        specialties = frozenset(search.specialty_ids) | search.text.specialty_ids
        # Placed first, with ids only (through the response cache's hook: a hit runs the
        # same placement again): the picks' rows come with the page, in its statement.
        picked = await placed(
            sponsored_ids,
            search.city_id,
            specialties,
            search.locality_ids,
            search.near,
            search.now,
        )
    wanted = placed_ids(picked)
    by_id: list[Any] = []
    totals_asked = together or asks_for(asked, "totalCount")
    if not only_sponsored and totals_asked and counted_key(search) is None:
        # The page and its totals read the filtered rows once (the kept counts, when they
        # answer, cost less than that: the page is then read alone).
        rows, known, by_id = await search_page_summary_and_ids(
            search, fetch, together, wanted, read_only=lean, leave_out=unread
        )
    elif not only_sponsored:
        rows, by_id = await search_page_and_ids(
            search, fetch, wanted, read_only=lean, leave_out=unread
        )
    keys = sort_keys(SqlBuilder(), search)
    cursors = [ctx.cursors.encode(scope, key_of(row, keys)) for row in rows]
    if not lean:
        for row in rows:
            for column in _KEY_COLUMNS:
                row.pop(column, None)
    practitioners = _practitioners(info, rows)
    ctx.loaders.prime_practitioners(practitioners)
    source: AvailabilitySource | None = None
    if search.availability is not None:
        source = AvailabilitySource.WEEKLY_HOURS
    examined = len(practitioners)
    if live and search.availability is not None:
        answer = await _live_available(info, practitioners, search.availability, search.now)
        if answer is not None:
            kept, stale_as_of = answer
            source = AvailabilitySource.LIVE
            if stale_as_of is not None:
                # Filtered on kept slots (the practice system failed): said, never silent.
                source = AvailabilitySource.CACHED
                ctx.warn_stale(
                    [*info.path.as_list(), "availabilitySource"], "practice", stale_as_of
                )
            chosen: list[int] = []
            examined = 0
            for i, p in enumerate(practitioners):
                examined = i + 1
                if p.pk in kept:
                    chosen.append(i)
                    if len(chosen) == page.first:
                        break
            practitioners = [practitioners[i] for i in chosen] + practitioners[examined:]
            last_examined = cursors[examined - 1] if examined else None
            cursors = [cursors[i] for i in chosen] + cursors[examined:]
            has_next = examined < len(rows) or len(rows) == fetch.first + 1
        else:
            practitioners, cursors = practitioners[: page.first + 1], cursors[: page.first + 1]
    visible = practitioners[: page.first]
    # Distance and the nearest practice are measured per edge, only when a client asks.
    edges = [
        PractitionerSearchEdge(
            cursor=cursor, node=_node(info, p), sponsored=False, _near=search.near
        )
        for p, cursor in zip(visible, cursors, strict=False)
    ]
    sponsored: list[tuple[int, models.Practitioner]] = []
    if page.after is None:
        # Rendering needs the picks' rows: read with the page, or (no page read: a cache hit
        # renders its sponsored edges alone) read now.
        picked = await complete_rows(picked) if only_sponsored else with_rows(picked, by_id)
        sponsored = list(
            zip([c for c, _ in picked], _practitioners(info, [r for _, r in picked]), strict=True)
        )
        # A sponsored edge's cursor leads to the first organic page, like no cursor at all.
        top = ctx.cursors.encode(scope, ())
        edges = [
            PractitionerSearchEdge(
                cursor=top, node=_node(info, p), sponsored=True, _near=search.near
            )
            for _, p in sponsored
        ] + edges
    if not only_sponsored:
        _record_impressions(info, search, visible, sponsored, first_page=page.after is None)
    organic = edges[len(sponsored) :]
    end_cursor = organic[-1].cursor if organic else None
    next_page = len(practitioners) > page.first
    if source in (AvailabilitySource.LIVE, AvailabilitySource.CACHED):
        # Rows the live check dropped are behind the cursor: continue after the last one read.
        end_cursor, next_page = last_examined, has_next
    totals = _Totals(search, together=together, skip=only_sponsored, known=known)
    return PractitionerSearchConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=next_page,
            has_previous_page=page.after is not None,
            start_cursor=organic[0].cursor if organic else None,
            end_cursor=end_cursor,
        ),
        availability_source=source,
        _count=totals.count,
        _facets=totals.facets,
    )
