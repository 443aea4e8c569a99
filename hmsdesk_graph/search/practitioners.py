"""The practitioner search: filters, relevance, sorts with keyset paging, and facets.

One statement for a page, one for `totalCount`, one per facet; each counted over the filtered
set without the facet's own filter. Filters run on the derived search columns
(`db.search_index`), so no statement joins practices per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder, columns
from hmsdesk_graph.pagination import Page
from hmsdesk_graph.search.query import (
    Near,
    SortKey,
    distance_key_expr,
    keyset_condition,
    name_match_expr,
    near_conditions,
    order_by,
    text_condition,
)
from hmsdesk_graph.search.text import TextQuery

IST = timezone(timedelta(hours=5, minutes=30))
FEE_BUCKETS = (("0-500", 0, 50000), ("500-1000", 50000, 100000), ("1000-2000", 100000, 200000))
FEE_TOP_BUCKET = ("2000+", 200000)
AVAILABILITY_WINDOWS = ("TODAY", "TOMORROW", "NEXT_7_DAYS")
SORTS = ("RELEVANCE", "STORIES", "EXPERIENCE", "FEE_ASC", "FEE_DESC", "DISTANCE", "RATING")
NO_FEE = 10**12  # sorts practitioners without a listed fee last


def availability_mask(window: str, now: datetime | None = None) -> int:
    """Weekday bits (Monday = bit 0) that satisfy an availability window, in India time."""
    today = (now or datetime.now(IST)).astimezone(IST).weekday()
    if window == "TODAY":
        return 1 << today
    if window == "TOMORROW":
        return 1 << ((today + 1) % 7)
    return 0b1111111


@dataclass(frozen=True)
class PractitionerSearch:
    """One search request, validated and resolved to ids."""

    city_id: int
    text: TextQuery
    specialty_ids: tuple[int, ...] = ()
    locality_ids: tuple[int, ...] = ()
    gender: str | None = None
    min_experience_years: int | None = None
    fee_min_paise: int | None = None
    fee_max_paise: int | None = None
    availability: str | None = None
    video_consult: bool | None = None
    languages: tuple[str, ...] = ()
    min_reviews: int | None = None
    min_rating_centi: int | None = None  # 4.5 stars -> 450
    instant_booking: bool | None = None
    hospital_id: int | None = None
    near: Near | None = None
    sort: str = "RELEVANCE"
    now: datetime = field(default_factory=lambda: datetime.now(IST))

    def without(self, facet: str) -> PractitionerSearch:
        """The same search without one facet's own filter."""
        if facet == "specialties":
            return replace(self, specialty_ids=())
        if facet == "localities":
            return replace(self, locality_ids=())
        if facet == "fee":
            return replace(self, fee_min_paise=None, fee_max_paise=None)
        if facet == "gender":
            return replace(self, gender=None)
        if facet == "availability":
            return replace(self, availability=None)
        raise ValueError(facet)


def _conditions(q: SqlBuilder, s: PractitionerSearch) -> list[str]:
    where = [f"t.city_id = {q.p(s.city_id)}", "t.status = 'ACTIVE'"]
    if not s.text.empty:
        where.append(text_condition(q, s.text, "practitioner"))
    if s.specialty_ids:
        where.append(
            "EXISTS (SELECT 1 FROM practitioner_specialty ps WHERE ps.practitioner_id = t.id"
            f" AND ps.specialty_id {q.in_ints(s.specialty_ids)})"
        )
    if s.locality_ids or s.hospital_id is not None:
        inner = ["r.practitioner_id = t.id"]
        if s.locality_ids:
            inner.append(f"h.locality_id {q.in_ints(s.locality_ids)}")
        if s.hospital_id is not None:
            inner.append(f"h.id = {q.p(s.hospital_id)}")
        where.append(
            "EXISTS (SELECT 1 FROM practitioner_role r JOIN hospital h ON h.id = r.hospital_id"
            f" WHERE {' AND '.join(inner)})"
        )
    if s.gender:
        where.append(f"t.gender = {q.p(s.gender)}")
    if s.min_experience_years is not None:
        where.append(f"t.practising_since <= {q.p(s.now.year - s.min_experience_years)}")
    if s.fee_min_paise is not None:
        where.append(f"t.min_fee_paise >= {q.p(s.fee_min_paise)}")
    if s.fee_max_paise is not None:
        where.append(f"t.min_fee_paise <= {q.p(s.fee_max_paise)}")
    if s.availability:
        where.append(f"(t.available_days & {q.p(availability_mask(s.availability, s.now))}) <> 0")
    if s.video_consult is not None:
        where.append(f"t.video_consult = {q.p(s.video_consult)}")
    if s.instant_booking is not None:
        where.append(f"t.instant_booking = {q.p(s.instant_booking)}")
    if s.languages:
        if q.postgres:
            where.append(f"t.languages ?| {q.p(list(s.languages))}::text[]")
        else:
            where.append(
                "EXISTS (SELECT 1 FROM json_each(t.languages) j"
                f" WHERE j.value {q.in_texts(s.languages)})"
            )
    if s.min_reviews is not None:
        where.append(f"t.rating_count >= {q.p(s.min_reviews)}")
    if s.min_rating_centi is not None:
        where.append(
            "t.rating_count > 0 AND"
            f" t.rating_sum * 100 >= {q.p(s.min_rating_centi)} * t.rating_count"
        )
    if s.near is not None:
        where += near_conditions(q, s.near)
    return where


def _rating_points(alias: str = "t") -> str:
    """Mean rating times 100 as an integer (0 without reviews)."""
    return (
        f"(CASE WHEN {alias}.rating_count > 0"
        f" THEN ({alias}.rating_sum * 100) / {alias}.rating_count ELSE 0 END)"
    )


def _relevance(q: SqlBuilder, s: PractitionerSearch) -> str:
    """Integer relevance: text (name, specialty meant), rating, stories, availability, proximity."""
    parts = [_rating_points(), "(CASE WHEN t.rating_count > 500 THEN 500 ELSE t.rating_count END)"]
    if not s.text.empty:
        parts.append(f"3000 * {name_match_expr(q, s.text)}")
    if s.text.specialty_ids:
        parts.append(
            "(CASE WHEN EXISTS (SELECT 1 FROM practitioner_specialty ps2"
            " WHERE ps2.practitioner_id = t.id AND ps2.is_primary"
            f" AND ps2.specialty_id {q.in_ints(s.text.specialty_ids)}) THEN 2000 ELSE 0 END)"
        )
    today = availability_mask("TODAY", s.now)
    parts.append(
        f"(CASE WHEN (COALESCE(t.available_days, 0) & {q.p(today)}) <> 0 THEN 300 ELSE 0 END)"
    )
    if s.near is not None:
        d2 = distance_key_expr(q, s.near)
        parts.append(
            f"(CASE WHEN {d2} <= 1000000 THEN 600 WHEN {d2} <= 25000000 THEN 400"
            f" WHEN {d2} <= 100000000 THEN 200 ELSE 0 END)"
        )
    return "(" + " + ".join(parts) + ")"


def sort_keys(q: SqlBuilder, s: PractitionerSearch) -> list[SortKey]:
    """The ordering of a sort, always ending with the id so that it is total."""
    by_id = SortKey("t.id", "_id", False)
    if s.sort == "STORIES":
        return [SortKey("t.rating_count", "_k0", True), by_id]
    if s.sort == "EXPERIENCE":
        return [SortKey("t.practising_since", "_k0", False), by_id]
    if s.sort == "FEE_ASC":
        return [SortKey(f"COALESCE(t.min_fee_paise, {NO_FEE})", "_k0", False), by_id]
    if s.sort == "FEE_DESC":
        return [SortKey("COALESCE(t.min_fee_paise, -1)", "_k0", True), by_id]
    if s.sort == "DISTANCE" and s.near is not None:
        return [SortKey(distance_key_expr(q, s.near), "_k0", False), by_id]
    if s.sort == "RATING":
        return [
            SortKey(_rating_points(), "_k0", True),
            SortKey("t.rating_count", "_k1", True),
            by_id,
        ]
    return [SortKey(_relevance(q, s), "_k0", True), by_id]


async def search_page(s: PractitionerSearch, page: Page) -> list[dict[str, Any]]:
    """Up to first + 1 practitioner rows in sort order, each with its sort key columns."""
    q = SqlBuilder()
    keys = sort_keys(q, s)
    where = _conditions(q, s)
    if page.after:
        where.append(keyset_condition(q, keys, page.after))
    selected = ", ".join(f"{k.expr} AS {k.alias}" for k in keys if k.alias != "_id")
    return await q.fetch(
        f"SELECT {columns(models.Practitioner, 't')}, t.id AS _id"
        f"{', ' + selected if selected else ''}"
        f" FROM practitioner t WHERE {' AND '.join(where)}"
        f" ORDER BY {order_by(keys)} LIMIT {q.p(page.first + 1)}"
    )


async def search_count(s: PractitionerSearch) -> int:
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT COUNT(*) AS n FROM practitioner t WHERE {' AND '.join(_conditions(q, s))}"
    )
    return int(rows[0]["n"])


@dataclass(frozen=True)
class FacetCounts:
    """Counts per facet value, each over the search without that facet's own filter."""

    specialties: list[tuple[str, str, int]]  # slug, name, count
    localities: list[tuple[str, str, int]]
    fees: list[tuple[str, int]]
    genders: list[tuple[str, int]]
    availability: list[tuple[str, int]]


async def search_facets(s: PractitionerSearch) -> FacetCounts:
    """Five statements, one per facet."""
    q = SqlBuilder()
    specialties = await q.fetch(
        "SELECT sp.slug AS v, sp.name AS label, COUNT(*) AS n FROM practitioner t"
        " JOIN practitioner_specialty ps ON ps.practitioner_id = t.id"
        " JOIN specialty sp ON sp.id = ps.specialty_id"
        f" WHERE {' AND '.join(_conditions(q, s.without('specialties')))}"
        " GROUP BY sp.slug, sp.name ORDER BY n DESC, v"
    )
    q = SqlBuilder()
    localities = await q.fetch(
        "SELECT lo.slug AS v, lo.name AS label, COUNT(DISTINCT t.id) AS n FROM practitioner t"
        " JOIN practitioner_role r ON r.practitioner_id = t.id"
        " JOIN hospital h ON h.id = r.hospital_id JOIN locality lo ON lo.id = h.locality_id"
        f" WHERE {' AND '.join(_conditions(q, s.without('localities')))}"
        " GROUP BY lo.slug, lo.name ORDER BY n DESC, v"
    )
    q = SqlBuilder()
    bucket_sql = " ".join(
        f"WHEN t.min_fee_paise >= {low} AND t.min_fee_paise < {high} THEN '{label}'"
        for label, low, high in FEE_BUCKETS
    )
    fees = await q.fetch(
        f"SELECT CASE {bucket_sql} ELSE '{FEE_TOP_BUCKET[0]}' END AS v, COUNT(*) AS n"
        f" FROM practitioner t WHERE t.min_fee_paise IS NOT NULL AND"
        f" {' AND '.join(_conditions(q, s.without('fee')))} GROUP BY 1"
    )
    q = SqlBuilder()
    genders = await q.fetch(
        "SELECT t.gender AS v, COUNT(*) AS n FROM practitioner t"
        f" WHERE {' AND '.join(_conditions(q, s.without('gender')))} GROUP BY t.gender"
    )
    q = SqlBuilder()
    sums = ", ".join(
        f"SUM(CASE WHEN (COALESCE(t.available_days, 0) & {availability_mask(w, s.now)}) <> 0"
        f" THEN 1 ELSE 0 END) AS {w.lower()}"
        for w in AVAILABILITY_WINDOWS
    )
    availability = await q.fetch(
        f"SELECT {sums} FROM practitioner t"
        f" WHERE {' AND '.join(_conditions(q, s.without('availability')))}"
    )
    fee_order = [label for label, _, _ in FEE_BUCKETS] + [FEE_TOP_BUCKET[0]]
    fee_counts = {str(r["v"]): int(r["n"]) for r in fees}
    return FacetCounts(
        specialties=[(str(r["v"]), str(r["label"]), int(r["n"])) for r in specialties],
        localities=[(str(r["v"]), str(r["label"]), int(r["n"])) for r in localities],
        fees=[(label, fee_counts.get(label, 0)) for label in fee_order],
        genders=sorted(((str(r["v"]), int(r["n"])) for r in genders), key=lambda x: x[0]),
        availability=[(w, int(availability[0][w.lower()] or 0)) for w in AVAILABILITY_WINDOWS],
    )
