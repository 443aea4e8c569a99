"""The hospital and diagnostic-center searches: filters, relevance, sorts and facets.

Both tables share a shape (city, locality, lat / lng, accreditations, rating counts, a search
document), so one module serves both: `FacilitySearch.table` says which. One statement for a
page, one for `totalCount`, one for all facets together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from tortoise.models import Model

from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder, columns
from hmsdesk_graph.pagination import Key, Page
from hmsdesk_graph.search.listing import (
    FacetBranch,
    FacetedSearch,
    FacetRows,
    count_rows,
    fetch_facets,
    fetch_page,
    json_names,
    min_rating_condition,
    rating_points,
    today_ist,
    valid_item,
)
from hmsdesk_graph.search.query import (
    Near,
    SortKey,
    distance_key_expr,
    name_match_expr,
    near_conditions,
    set_filters,
    text_condition,
)
from hmsdesk_graph.search.text import TextQuery

HOSPITAL = "hospital"
CENTER = "diagnostic_center"
MODELS: dict[str, type[Model]] = {
    HOSPITAL: models.Hospital,
    CENTER: models.DiagnosticCenter,
}
HOSPITAL_FACETS = ("kinds", "specialties", "localities", "accreditations")
CENTER_FACETS = ("localities", "accreditations", "homeCollection")


@dataclass(frozen=True)
class FacilitySearch(FacetedSearch):
    """One hospital or center search, validated and resolved to ids."""

    table: str
    city_id: int
    text: TextQuery
    kinds: tuple[str, ...] = ()
    specialty_ids: tuple[int, ...] = ()
    locality_ids: tuple[int, ...] = ()
    accreditations: tuple[str, ...] = ()
    open_24x7: bool | None = None
    emergency: bool | None = None
    home_collection: bool | None = None
    max_turnaround_hours: int | None = None
    lab_test_ids: tuple[int, ...] = ()
    min_rating_centi: int | None = None  # 4.5 stars -> 450
    near: Near | None = None
    sort: str = "RELEVANCE"  # RELEVANCE, RATING, STORIES, DISTANCE, REPORT_TIME (centers)
    # A lapsed accreditation does not count: filters and facets compare validity to today.
    today: str = field(default_factory=today_ist)

    # The fields each facet's own filter reads, and their value when the filter is off.
    OWN_FILTERS: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "kinds": {"kinds": ()},
        "specialties": {"specialty_ids": ()},
        "localities": {"locality_ids": ()},
        "accreditations": {"accreditations": ()},
        "homeCollection": {"home_collection": None},
    }


def _accredited(q: SqlBuilder, s: FacilitySearch) -> str:
    item, name = json_names(q, "t.accreditations")
    return (
        f"EXISTS (SELECT 1 FROM {item} WHERE {name} {q.in_texts(s.accreditations)}"
        f" AND {valid_item(q, s.today)})"
    )


def _own_filters(q: SqlBuilder, s: FacilitySearch) -> dict[str, str]:
    """The condition each facet's own filter adds to the search (only the filters in use).

    `_conditions(s)` is `_conditions(s.without_facets())` AND all of these: the one-pass facets
    rely on it.
    """
    own: dict[str, str] = {}
    if s.kinds:
        own["kinds"] = f"t.kind {q.in_texts(s.kinds)}"
    if s.specialty_ids:
        own["specialties"] = (
            "EXISTS (SELECT 1 FROM hospital_specialty hs WHERE hs.hospital_id = t.id"
            f" AND hs.specialty_id {q.in_ints(s.specialty_ids)})"
        )
    if s.locality_ids:
        own["localities"] = f"t.locality_id {q.in_ints(s.locality_ids)}"
    if s.accreditations:
        own["accreditations"] = _accredited(q, s)
    if s.home_collection is not None:
        own["homeCollection"] = f"t.home_collection = {q.p(s.home_collection)}"
    return own


def _conditions(q: SqlBuilder, s: FacilitySearch) -> list[str]:
    where = [f"t.city_id = {q.p(s.city_id)}"]
    if not s.text.empty:
        where.append(text_condition(q, s.text, s.table))
    where += _own_filters(q, s).values()
    where += set_filters(
        q,
        ("t.open_24x7 =", s.open_24x7),
        ("t.emergency =", s.emergency),
        ("t.report_turnaround_hours <=", s.max_turnaround_hours),
    )
    if s.lab_test_ids:
        # Every test asked for is priced here; the text never varies with the number of tests.
        where.append(
            "(SELECT COUNT(DISTINCT plt.lab_test_id) FROM price_package pp"
            " JOIN package_lab_test plt ON plt.package_id = pp.id"
            f" WHERE pp.diagnostic_center_id = t.id"
            f" AND plt.lab_test_id {q.in_ints(s.lab_test_ids)}) = {q.p(len(s.lab_test_ids))}"
        )
    if s.min_rating_centi is not None:
        where.append(min_rating_condition(q, s.min_rating_centi))
    if s.near is not None:
        where += near_conditions(q, s.near)
    return where


def _relevance(q: SqlBuilder, s: FacilitySearch) -> str:
    """Integer relevance: name match, specialty meant, rating, stories, proximity."""
    parts = [rating_points(), "(CASE WHEN t.rating_count > 500 THEN 500 ELSE t.rating_count END)"]
    if not s.text.empty:
        parts.append(f"3000 * {name_match_expr(q, s.text)}")
    if s.text.specialty_ids and s.table == HOSPITAL:
        parts.append(
            "(CASE WHEN EXISTS (SELECT 1 FROM hospital_specialty hs2 WHERE hs2.hospital_id = t.id"
            f" AND hs2.specialty_id {q.in_ints(s.text.specialty_ids)}) THEN 2000 ELSE 0 END)"
        )
    if s.near is not None:
        d2 = distance_key_expr(q, s.near)
        parts.append(
            f"(CASE WHEN {d2} <= 1000000 THEN 600 WHEN {d2} <= 25000000 THEN 400"
            f" WHEN {d2} <= 100000000 THEN 200 ELSE 0 END)"
        )
    return "(" + " + ".join(parts) + ")"


def sort_keys(q: SqlBuilder, s: FacilitySearch) -> list[SortKey]:
    """The ordering of a sort: integer keys, always ending with the id so that it is total."""
    by_id = SortKey("t.id", "_id", False)
    if s.sort == "STORIES":
        return [SortKey("t.rating_count", "_k0", True), by_id]
    if s.sort == "DISTANCE" and s.near is not None:
        return [SortKey(distance_key_expr(q, s.near), "_k0", False), by_id]
    if s.sort == "RATING":
        return [
            SortKey(rating_points(), "_k0", True),
            SortKey("t.rating_count", "_k1", True),
            by_id,
        ]
    if s.sort == "REPORT_TIME" and s.table == CENTER:
        return [
            SortKey("t.report_turnaround_hours", "_k0", False),
            SortKey(rating_points(), "_k1", True),
            by_id,
        ]
    return [SortKey(_relevance(q, s), "_k0", True), by_id]


async def search_page(
    s: FacilitySearch, page: Page, leave_out: frozenset[str] = frozenset()
) -> tuple[list[dict[str, Any]], list[Key]]:
    """Up to first + 1 rows in sort order, and the sort key of each (without the columns of
    `leave_out`: a lean read's unread ones)."""
    q = SqlBuilder()
    return await fetch_page(
        q,
        select=columns(MODELS[s.table], "t", leave_out),
        from_=f"{s.table} t",
        where=_conditions(q, s),
        keys=sort_keys(q, s),
        page=page,
    )


async def search_count(s: FacilitySearch) -> int:
    q = SqlBuilder()
    return await count_rows(q, f"{s.table} t", _conditions(q, s))


def _branch(q: SqlBuilder, s: FacilitySearch, facet: str, passing: list[str]) -> FacetBranch:
    """One facet over the CTE `b` (aliased `t`), keeping rows that pass the other facets."""
    base = "b t"
    if facet == "kinds":
        return FacetBranch(facet, "t.kind", "t.kind", base, passing)
    if facet == "specialties":
        return FacetBranch(
            facet,
            "sp.slug",
            "sp.name",
            f"{base} JOIN hospital_specialty hs ON hs.hospital_id = t.id"
            " JOIN specialty sp ON sp.id = hs.specialty_id",
            passing,
        )
    if facet == "localities":
        return FacetBranch(
            facet,
            "lo.slug",
            "lo.name",
            f"{base} JOIN locality lo ON lo.id = t.locality_id",
            passing,
        )
    if facet == "accreditations":
        item, name = json_names(q, "t.accreditations")
        return FacetBranch(
            facet,
            name,
            name,
            f"{base} CROSS JOIN {item}",
            [*passing, valid_item(q, s.today)],
            count="COUNT(DISTINCT t.id)",
        )
    if facet == "homeCollection":
        value = "CASE WHEN t.home_collection THEN 'true' ELSE 'false' END"
        return FacetBranch(facet, value, value, base, passing)
    raise ValueError(facet)


async def search_facets(s: FacilitySearch, with_total: bool = False) -> FacetRows:
    """Every facet of the table in one statement, each without its own filter; with
    `with_total`, the search's count too (under `listing.TOTAL`).

    The CTE `b` is the search without any facet's own filter, read once, with a 0/1 column per
    own filter in use; each facet keeps the rows that pass every other facet's filter, and the
    count the rows that pass them all (`_conditions` is the base AND the own filters).
    """
    q = SqlBuilder()
    names = HOSPITAL_FACETS if s.table == HOSPITAL else CENTER_FACETS
    base = _conditions(q, s.without_facets())
    own = _own_filters(q, s)
    facet_columns = "t.kind" if s.table == HOSPITAL else "t.home_collection"
    flags = "".join(f", CASE WHEN {c} THEN 1 ELSE 0 END AS f_{n}" for n, c in own.items())
    inner = (
        f"SELECT t.id, t.locality_id, t.accreditations, {facet_columns}{flags}"
        f" FROM {s.table} t WHERE {' AND '.join(base)}"
    )
    if len(own) >= 2:
        passed = " + ".join(f"f_{n}" for n in own)
        inner = f"SELECT * FROM ({inner}) x WHERE {passed} >= {len(own) - 1}"
    branches = [_branch(q, s, name, [f"t.f_{n} = 1" for n in own if n != name]) for name in names]
    total = ("b t", [f"t.f_{n} = 1" for n in own]) if with_total else None
    return await fetch_facets(q, branches, with_=f"WITH b AS MATERIALIZED ({inner}) ", total=total)
