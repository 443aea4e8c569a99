"""The set-based fetch behind each compiled field that has a resolver.

Root fields call the same resolvers the general executor calls (validation, paging, sponsored
slots and listing events stay in one place). Nested fields call the loaders' batch functions
once per level with every parent's key, and build the same schema objects the resolvers build,
so the attribute-read fields below them answer exactly alike. Only public fields are here:
nothing in this table depends on who is asking, and a field missing from it is not compiled.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, TypeVar

from tortoise.models import Model

from hmsdesk_graph.compiled.cards import PACKAGE, keep_joined, practices_sql, read_cards
from hmsdesk_graph.compiled.execute import Run
from hmsdesk_graph.compiled.plan import Fetch, FieldPlan
from hmsdesk_graph.compiled.reference import BY_ID
from hmsdesk_graph.db import derived, models
from hmsdesk_graph.db.enums import TargetKind
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.loaders import prices as price_batches
from hmsdesk_graph.loaders import providers as provider_batches
from hmsdesk_graph.loaders import reviews as review_batches
from hmsdesk_graph.loaders.base import grouped_by
from hmsdesk_graph.loaders.lean import (
    LeanRow,
    lean_by_ids,
    lean_class,
    lean_rows,
)
from hmsdesk_graph.loaders.prices import PackagesKey
from hmsdesk_graph.loaders.providers import HospitalPractitionerCountKey, HospitalPractitionersKey
from hmsdesk_graph.loaders.reviews import RatingCounts, ReviewsKey, TargetKey
from hmsdesk_graph.pagination import check_first, scope_of
from hmsdesk_graph.resolvers.facility_search import resolve_search_hospitals
from hmsdesk_graph.resolvers.price_search import resolve_price_comparison
from hmsdesk_graph.resolvers.providers import (
    resolve_diagnostic_center,
    resolve_hospital,
    resolve_practitioner,
)
from hmsdesk_graph.resolvers.search import resolve_search_practitioners
from hmsdesk_graph.resolvers.views import (
    DiagnosticCenterView,
    HospitalView,
    PractitionerRoleView,
    PractitionerView,
    PricePackageView,
)
from hmsdesk_graph.schema.catalog import City, LabTest, Specialty, specialty_id_for_slug
from hmsdesk_graph.schema.connection import make_connection
from hmsdesk_graph.schema.prices import price_source
from hmsdesk_graph.schema.providers import Review
from hmsdesk_graph.schema.reviews import ReviewSummary
from hmsdesk_graph.search.query import nearest_of

K = TypeVar("K")


def _same(row: Any) -> Any:
    return row


def _unique(keys: Sequence[K]) -> list[K]:
    return list(dict.fromkeys(keys))


def _root(resolver: Callable[..., Any]) -> Fetch:
    """A root field: the general path's own resolver, called once."""

    async def fetch(run: Run, plan: FieldPlan, parents: list[Any]) -> list[Any]:
        return [await resolver(run.info_for(plan), **run.arguments(plan))]

    return fetch


async def _method(run: Run, plan: FieldPlan, parents: list[Any]) -> list[Any]:
    """A resolver taking only `self` (totalCount, facets): it cannot depend on the viewer."""
    method = plan.strawberry_field.base_resolver.wrapped_func
    results = [method(parent) for parent in parents]
    if results and inspect.isawaitable(results[0]):
        return list(await asyncio.gather(*results))
    return results


async def _method_with_arguments(run: Run, plan: FieldPlan, parents: list[Any]) -> list[Any]:
    """A resolver taking `self` and its field's arguments (a page of a comparison's offers)."""
    method = plan.strawberry_field.base_resolver.wrapped_func
    args = run.arguments(plan)
    return list(await asyncio.gather(*(method(parent, **args) for parent in parents)))


async def _by_ids(
    run: Run, model: type[Model], ids: list[int | None], build: Callable[[Any], Any]
) -> list[Any]:
    """Lean rows by id for every parent in one statement (none when a joined fetch of this
    request already read them all), built into schema objects."""
    known = run.rows.get(model, {})
    missing = _unique([i for i in ids if i is not None and i not in known])
    if not missing:
        rows = known
    elif model in BY_ID:
        rows = {**known, **await run.reference.by_ids(model, missing)}
    else:
        unread = run.context.unread.get(model, frozenset())
        rows = {**known, **await lean_by_ids(model, missing, unread)}
    found = {key: build(rows[key]) for key in _unique([i for i in ids if i in rows])}
    return [None if i is None else found.get(i) for i in ids]


async def _lists_by_ids(
    batch: Callable[[Sequence[int]], Any], ids: list[int], build: Callable[[Any], Any]
) -> list[Any]:
    wanted = _unique(ids)
    rows = await batch(wanted)
    found = {key: [build(r) for r in group] for key, group in zip(wanted, rows, strict=True)}
    return [found[i] for i in ids]


def _city(run: Run, plan: FieldPlan, parents: list[Any]) -> Any:
    return _by_ids(run, models.City, [p._row.city_id for p in parents], City.from_row)


def _locality(run: Run, plan: FieldPlan, parents: list[Any]) -> Any:
    # A lean locality row answers Locality's fields (slug, name, lat, lng) as from_row would.
    return _by_ids(run, models.Locality, [p._row.locality_id for p in parents], _same)


def _listed_ids(row: Any, column: str) -> list[int] | None:
    """A derived list (`db.derived`) carried by a row; None when it was read without it."""
    if not isinstance(row, LeanRow):
        return derived.kept(row, column)
    prefix = type(row)._pk[: -len("id")]
    try:
        value = row._raw[prefix + column]
    except (KeyError, IndexError):
        return None
    return derived.ids_of(value)


def _specialties(batch: Callable[[Sequence[int]], Any]) -> Fetch:
    """Specialties from the parents' id lists and the worker's specialty rows (no statement),
    in the loader's order (name, then id); the link table for rows without a list."""

    async def fetch(run: Run, plan: FieldPlan, parents: list[Any]) -> list[Any]:
        lists = [_listed_ids(p._row, "specialty_ids") for p in parents]
        unlisted = [p._row.pk for p, ids in zip(parents, lists, strict=True) if ids is None]
        loaded = iter(await _lists_by_ids(batch, unlisted, Specialty.from_row) if unlisted else [])
        rows = await run.reference.by_ids(
            models.Specialty, _unique([i for ids in lists if ids for i in ids])
        )
        ordered = sorted(rows.values(), key=lambda r: (r.name, r.pk))
        built = {r.pk: Specialty.from_row(r) for r in ordered}
        rank = {pk: n for n, pk in enumerate(built)}
        return [
            next(loaded)
            if ids is None
            else [built[i] for i in sorted((i for i in ids if i in built), key=rank.__getitem__)]
            for ids in lists
        ]

    return fetch


def _child(plan: FieldPlan, name: str) -> FieldPlan | None:
    return next((c for c in plan.children or () if c.name == name), None)


def _package_shape(run: Run, packages: FieldPlan) -> PackagesKey:
    """What a practitioner's `pricePackages` field asks for (the owner left out)."""
    args = run.arguments(packages)
    size = check_first(args.get("first"), run.context.settings)
    return PackagesKey(TargetKind.PRACTITIONER, 0, args.get("kind"), args.get("ward"), size)


def _joint_cards(run: Run, plan: FieldPlan, parents: list[Any]) -> PackagesKey | None:
    """The packages' shape when this level's `practices` (with hospitals) and `pricePackages`
    read together (`compiled.cards`); None when each reads alone, or the practices are read."""
    siblings = plan.siblings or []
    practices = next((p for p in siblings if p.name == "practices"), None)
    packages = next((p for p in siblings if p.name == "pricePackages"), None)
    if practices is None or packages is None or plan not in (practices, packages):
        return None
    if _child(practices, "hospital") is None:
        return None
    if all(p._row.pk in run.practices for p in parents):
        return None
    return _package_shape(run, packages)


def _cards(run: Run, plan: FieldPlan, parents: list[Any], shape: PackagesKey) -> Any:
    practices = next(p for p in plan.siblings or () if p.name == "practices")
    hospital = _child(practices, "hospital")
    locality = hospital is not None and _child(hospital, "locality") is not None
    ids = _unique([p._row.pk for p in parents])
    return read_cards(run, parents, ids, locality, shape)


async def _practices(run: Run, plan: FieldPlan, parents: list[Any]) -> list[Any]:
    """Practices of every practitioner; the hospitals (and their localities) the selection
    shows are read in the same statement (with the packages, when they are selected too) and
    kept for the next levels' by-id fetches."""
    ids = [p._row.pk for p in parents]
    hospital = _child(plan, "hospital")
    rows: Sequence[Any]
    shape = _joint_cards(run, plan, parents)
    if shape is not None:
        rows = (await _cards(run, plan, parents, shape)).practices
    elif all(i in run.practices for i in ids):  # the edges' distances read them already
        rows = [row for i in _unique(ids) for row in run.practices[i]]
    elif hospital is None:
        rows = await provider_batches.role_rows_by_practitioner(_unique(ids))
    else:
        rows = await _practices_joined(run, _unique(ids), _child(hospital, "locality") is not None)
    roles = grouped_by(lean_rows(models.PractitionerRole, rows), lambda r: r.practitioner_id)
    return [[PractitionerRoleView(r) for r in roles.get(i, [])] for i in ids]


async def _practices_joined(run: Run, ids: list[int], locality: bool) -> Sequence[Any]:
    """`role_rows_by_practitioner`, each row with its hospital's columns (`h__`) and, when
    asked, its hospital's locality's (`l__`): one statement instead of three."""
    q = SqlBuilder()
    select, joins, _ = practices_sql(locality, run.context.unread)
    rows = await q.fetch_rows(
        f"SELECT {select} FROM practitioner_role r{joins}"
        f" WHERE r.practitioner_id {q.in_ints(ids)}"
        " ORDER BY r.practitioner_id, r.consultation_fee_paise, r.id"
    )
    keep_joined(run, rows, locality)
    return rows


async def _edge_practices(
    run: Run, plan: FieldPlan, parents: list[Any], ids: list[int]
) -> Sequence[Any]:
    """The practices (with hospitals and localities) of the edges' practitioners; and, when
    their cards show packages, those too in the same statement, kept for the nodes' level."""
    node = next((p for p in plan.siblings or () if p.name == "node"), None)
    packages = _child(node, "pricePackages") if node is not None else None
    if packages is None:
        return await _practices_joined(run, ids, locality=True)
    cards = await read_cards(run, parents, ids, True, _package_shape(run, packages))
    for i in ids:
        run.packages[i] = cards.packages.get(i, [])
    return cards.practices


async def _distances(run: Run, plan: FieldPlan, parents: list[Any]) -> list[float | None]:
    """Each edge's distance to its practitioner's nearest practice (searching `near`), as
    `PractitionerSearchEdge.distance_km` finds it: the practices and their hospitals (and
    localities) in one statement, kept for the nodes' `practices` below."""
    ids = _unique([edge.node._row.pk for edge in parents if edge._near is not None])
    if ids:
        rows = await _edge_practices(run, plan, parents, ids)
        for i in ids:
            run.practices.setdefault(i, [])
        for row in rows:
            run.practices[int(row["practitioner_id"])].append(row)
    hospitals = run.rows.get(models.Hospital, {})
    found: list[float | None] = []
    for edge in parents:
        if edge._near is None:
            found.append(None)
            continue
        roles = lean_rows(models.PractitionerRole, run.practices[edge.node._row.pk])
        places = [(r.pk, h.lat, h.lng) for r in roles if (h := hospitals.get(r.hospital_id))]
        nearest = nearest_of(edge._near, places)
        found.append(nearest[1] if nearest else None)
    return found


async def _package_provider(run: Run, plan: FieldPlan, parents: list[Any]) -> list[Any]:
    """The provider of each package (`load_provider`'s: its practitioner, else its hospital,
    else its diagnostic center), one statement per kind that is there, the kinds together."""
    rows = [p._row for p in parents]
    practitioners = [r.practitioner_id for r in rows]
    hospitals = [None if r.practitioner_id is not None else r.hospital_id for r in rows]
    centers = [
        None
        if r.practitioner_id is not None or r.hospital_id is not None
        else r.diagnostic_center_id
        for r in rows
    ]
    found = await asyncio.gather(
        _by_ids(run, models.Practitioner, practitioners, PractitionerView),
        _by_ids(run, models.Hospital, hospitals, HospitalView),
        _by_ids(run, models.DiagnosticCenter, centers, DiagnosticCenterView),
    )
    return [next((f for f in owners if f is not None), None) for owners in zip(*found, strict=True)]


def _role_hospital(run: Run, plan: FieldPlan, parents: list[Any]) -> Any:
    return _by_ids(run, models.Hospital, [p._row.hospital_id for p in parents], HospitalView)


def _center_lab_tests(run: Run, plan: FieldPlan, parents: list[Any]) -> Any:
    return _lists_by_ids(
        partial(provider_batches.load_lab_tests_by_diagnostic_center, lean=True),
        [p._row.pk for p in parents],
        LabTest.from_row,
    )


def _package_includes(run: Run, plan: FieldPlan, parents: list[Any]) -> Any:
    return _lists_by_ids(
        partial(price_batches.load_lab_tests_by_package, lean=True),
        [p._row.pk for p in parents],
        LabTest.from_row,
    )


async def _hospital_practitioners(run: Run, plan: FieldPlan, parents: list[Any]) -> list[Any]:
    """Hospital.practitioners for every hospital of the level, as its resolver pages them."""
    ctx = run.context
    args = run.arguments(plan)
    specialty = args.get("specialty")
    specialty_id = await specialty_id_for_slug(run.info, specialty) if specialty else None
    pages = []
    for parent in parents:
        scope = scope_of("Hospital.practitioners", hospital=parent._row.pk, specialty=specialty_id)
        page = ctx.cursors.page(scope, args.get("first"), args.get("after"), ctx.settings)
        key = HospitalPractitionersKey(parent._row.pk, specialty_id, page.first, page.after)
        pages.append((scope, page, key))
    wanted = _unique([key for _, _, key in pages])
    read = await provider_batches.practitioner_pages_by_hospital(wanted, lean=True)
    found = dict(zip(wanted, read, strict=True))

    def counter(hospital_id: int, total: int | None) -> Callable[[], Awaitable[int]]:
        async def count() -> int:
            if total is not None:  # a first page: its statement counted them
                return total
            key = HospitalPractitionerCountKey(hospital_id, specialty_id)
            return (await provider_batches.load_practitioner_counts_by_hospital([key]))[0]

        return count

    return [
        make_connection(
            found[key][0],
            page,
            scope=scope,
            codec=ctx.cursors,
            key=lambda p: (p.name, p.pk),
            node=PractitionerView,
            count=counter(key.hospital_id, found[key][1]),
        )
        for scope, page, key in pages
    ]


def _packages(kind: TargetKind) -> Fetch:
    async def fetch(run: Run, plan: FieldPlan, parents: list[Any]) -> list[Any]:
        read: dict[int, list[Any]] | None = None
        if kind is TargetKind.PRACTITIONER and all(p._row.pk in run.packages for p in parents):
            read = run.packages  # with the edges' distances
        elif kind is TargetKind.PRACTITIONER:
            shape = _joint_cards(run, plan, parents)
            if shape is not None:
                read = (await _cards(run, plan, parents, shape)).packages
        if read is not None:
            lean = lean_class(models.PricePackage, PACKAGE)
            return [[PricePackageView(lean(r)) for r in read.get(p._row.pk, [])] for p in parents]
        args = run.arguments(plan)
        size = check_first(args.get("first"), run.context.settings)
        keys = [
            PackagesKey(kind, p._row.pk, args.get("kind"), args.get("ward"), size) for p in parents
        ]
        rows = await price_batches.package_rows_by_owner(_unique(keys))
        found = {
            key: [PricePackageView(r) for r in lean_rows(models.PricePackage, group)]
            for key, group in rows.items()
        }
        return [found[key] for key in keys]

    return fetch


# What a review summary shows that the target's own denormalised columns answer (rating_count,
# rating_sum and recommend_count, kept by every path that publishes or moderates a review).
_FROM_COLUMNS = frozenset({"count", "average", "recommendPercent"})


@dataclass(frozen=True)
class _ColumnCounts(RatingCounts):
    """Rating counts from the target's columns: no count per star (distribution not asked)."""

    total: int = 0
    total_rating: int = 0

    @property
    def count(self) -> int:
        return self.total

    @property
    def rating_sum(self) -> int:
        return self.total_rating


@lru_cache(maxsize=4096)
def _summary_of(count: int, rating_sum: int, recommend: int) -> ReviewSummary:
    """The summary of these totals, built once per worker: plans only read it, and a page
    of cards repeats few distinct totals (from_counts costs ~4% of a search list's CPU)."""
    return ReviewSummary.from_counts(
        _ColumnCounts(by_rating={}, recommend=recommend, total=count, total_rating=rating_sum)
    )


def _summaries(kind: TargetKind) -> Fetch:
    async def fetch(run: Run, plan: FieldPlan, parents: list[Any]) -> list[Any]:
        if all(child.name in _FROM_COLUMNS for child in plan.children or ()):
            # The parent rows (the page's, a by-id read's) already carry the totals.
            return [
                _summary_of(
                    int(p._row.rating_count), int(p._row.rating_sum), int(p._row.recommend_count)
                )
                for p in parents
            ]
        stars = [_listed_ids(p._row, derived.RATING_STARS) for p in parents]
        if all(s is not None for s in stars):
            # The rows carry their published reviews per star (`db.derived`): no statement.
            return [
                ReviewSummary.from_counts(
                    RatingCounts(
                        by_rating=dict(zip(derived.STARS, s or (), strict=True)),
                        recommend=int(p._row.recommend_count),
                    )
                )
                for p, s in zip(parents, stars, strict=True)
            ]
        keys = [TargetKey(kind, p._row.pk) for p in parents]
        wanted = _unique(keys)
        counts = await review_batches.load_review_summaries(wanted)
        found = {key: ReviewSummary.from_counts(c) for key, c in zip(wanted, counts, strict=True)}
        return [found[key] for key in keys]

    return fetch


def _reviews(kind: TargetKind) -> Fetch:
    async def fetch(run: Run, plan: FieldPlan, parents: list[Any]) -> list[Any]:
        ctx = run.context
        args = run.arguments(plan)
        pages = []
        for parent in parents:
            scope = scope_of("reviews", kind=kind.value, target=parent._row.pk)
            page = ctx.cursors.page(scope, args.get("first"), args.get("after"), ctx.settings)
            pages.append((scope, page, ReviewsKey(kind, parent._row.pk, page.first, page.after)))
        wanted = _unique([key for _, _, key in pages])
        found = await review_batches.load_reviews_by_target(wanted, lean=True)
        rows = dict(zip(wanted, found, strict=True))

        async def no_count() -> int:  # totalCount is not compiled: never called
            raise AssertionError("totalCount is not on the compiled path")

        return [
            make_connection(
                rows[key],
                page,
                scope=scope,
                codec=ctx.cursors,
                key=lambda r: (r.created_at, r.pk),
                node=Review.from_row,
                count=no_count,
            )
            for scope, page, key in pages
        ]

    return fetch


async def _source(run: Run, plan: FieldPlan, parents: list[Any]) -> list[Any]:
    rows = [p._row for p in parents]
    feeds_wanted = _unique([r.feed_id for r in rows if r.feed_id])
    feeds = dict(
        zip(
            feeds_wanted,
            await price_batches.load_feed_sources(feeds_wanted) if feeds_wanted else [],
            strict=True,
        )
    )
    partner_wanted = _unique(
        [r.pk for r in rows if feeds.get(r.feed_id) is None and r.external_ref is not None]
    )
    partners = dict(
        zip(
            partner_wanted,
            await price_batches.load_listing_partners(partner_wanted) if partner_wanted else [],
            strict=True,
        )
    )
    return [price_source(r, feeds.get(r.feed_id), partners.get(r.pk)) for r in rows]


FETCHES: dict[tuple[str, str], Fetch] = {
    ("Query", "searchPractitioners"): _root(resolve_search_practitioners),
    ("Query", "practitioner"): _root(resolve_practitioner),
    ("Query", "hospital"): _root(resolve_hospital),
    ("Query", "diagnosticCenter"): _root(resolve_diagnostic_center),
    ("Query", "searchHospitals"): _root(resolve_search_hospitals),
    ("HospitalSearchConnection", "totalCount"): _method,
    ("HospitalSearchConnection", "facets"): _method,
    ("PractitionerSearchConnection", "totalCount"): _method,
    ("PractitionerSearchConnection", "facets"): _method,
    ("PractitionerSearchEdge", "distanceKm"): _distances,
    ("Practitioner", "city"): _city,
    ("Practitioner", "specialties"): _specialties(
        provider_batches.load_specialties_by_practitioner
    ),
    ("Practitioner", "practices"): _practices,
    ("Practitioner", "pricePackages"): _packages(TargetKind.PRACTITIONER),
    ("Practitioner", "reviewSummary"): _summaries(TargetKind.PRACTITIONER),
    ("Practitioner", "reviews"): _reviews(TargetKind.PRACTITIONER),
    ("PractitionerRole", "hospital"): _role_hospital,
    ("Hospital", "city"): _city,
    ("Hospital", "locality"): _locality,
    ("Hospital", "specialties"): _specialties(provider_batches.load_specialties_by_hospital),
    ("Hospital", "pricePackages"): _packages(TargetKind.HOSPITAL),
    ("Hospital", "reviewSummary"): _summaries(TargetKind.HOSPITAL),
    ("Hospital", "reviews"): _reviews(TargetKind.HOSPITAL),
    ("DiagnosticCenter", "city"): _city,
    ("DiagnosticCenter", "locality"): _locality,
    ("DiagnosticCenter", "pricePackages"): _packages(TargetKind.DIAGNOSTIC_CENTER),
    ("DiagnosticCenter", "reviewSummary"): _summaries(TargetKind.DIAGNOSTIC_CENTER),
    ("DiagnosticCenter", "reviews"): _reviews(TargetKind.DIAGNOSTIC_CENTER),
    ("PricePackage", "source"): _source,
    ("PricePackage", "includes"): _package_includes,
    ("DiagnosticCenter", "labTests"): _center_lab_tests,
    ("Hospital", "practitioners"): _hospital_practitioners,
    ("PractitionerConnection", "totalCount"): _method,
    ("Query", "priceComparison"): _root(resolve_price_comparison),
    ("PriceComparison", "count"): _method,
    ("PriceComparison", "min"): _method,
    ("PriceComparison", "median"): _method,
    ("PriceComparison", "max"): _method,
    ("PriceComparison", "approximate"): _method,
    ("PriceComparison", "offers"): _method_with_arguments,
    ("PricePackageConnection", "totalCount"): _method,
    ("PricePackage", "provider"): _package_provider,
}
