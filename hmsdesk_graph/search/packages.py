"""The price-package search and the price comparison (min / median / max across offers).

A package belongs to a city through its owner, and no index covers an owner's city. The city
test is written last as `EXISTS` on each owner kind: the selective conditions (kind and ward, a
lab test, a procedure) reach the package indexes first, and PostgreSQL turns the `EXISTS` into
hashed sets of the city's owner ids (from the owners' city indexes), one probe per candidate.
Without a selective condition a search reads every package of the country (medium seed:
~160 ms on either backend); a denormalised `price_package.city_id` with an index on
(city_id, kind, price_min_paise, id) would bring that below a millisecond. A lab test's links
carry their owner's city (`db.lab_cities`): a lab-test condition reads the city's links only.

Every price below is the package's starting price (`price_min_paise`): filters, sorts and
statistics compare the same number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder, columns
from hmsdesk_graph.pagination import Key, Page
from hmsdesk_graph.search.listing import FacetRows, count_rows, fetch_page
from hmsdesk_graph.search.query import SortKey, set_filters
from hmsdesk_graph.search.text import TextQuery

OWNERS = (
    ("PRACTITIONER", "practitioner_id", "practitioner", " AND o.status = 'ACTIVE'"),
    ("HOSPITAL", "hospital_id", "hospital", ""),
    ("DIAGNOSTIC_CENTER", "diagnostic_center_id", "diagnostic_center", ""),
)
PROVIDER_KIND = (
    "CASE WHEN t.practitioner_id IS NOT NULL THEN 'PRACTITIONER'"
    " WHEN t.hospital_id IS NOT NULL THEN 'HOSPITAL' ELSE 'DIAGNOSTIC_CENTER' END"
)
# (list - offer) / list in basis points; 0 without both prices or without a reduction.
DISCOUNT_BPS = (
    "(CASE WHEN t.list_price_paise > 0 AND t.offer_price_paise IS NOT NULL"
    " AND t.offer_price_paise < t.list_price_paise"
    " THEN ((t.list_price_paise - t.offer_price_paise) * 10000) / t.list_price_paise ELSE 0 END)"
)


@dataclass(frozen=True)
class PackageSearch:
    """One package search (or comparison), validated and resolved to ids."""

    city_id: int
    text: TextQuery
    text_lab_test_ids: tuple[int, ...] = ()  # lab tests the query names
    kind: str | None = None
    ward: str | None = None
    price_min_paise: int | None = None
    price_max_paise: int | None = None
    provider_kind: str | None = None
    lab_test_id: int | None = None
    procedure: str | None = None
    sort: str = "RELEVANCE"  # RELEVANCE, PRICE_ASC, PRICE_DESC or DISCOUNT


def _in_city(q: SqlBuilder, s: PackageSearch) -> str:
    """The owner is listed in the city (an expired practitioner's prices are not offered)."""
    city = q.p(s.city_id)
    tests = [
        f"EXISTS (SELECT 1 FROM {table} o WHERE o.id = t.{column} AND o.city_id = {city}{extra})"
        for kind, column, table, extra in OWNERS
        if s.provider_kind in (None, kind)
    ]
    return tests[0] if len(tests) == 1 else "(" + " OR ".join(tests) + ")"


def _text_match(q: SqlBuilder, s: PackageSearch) -> str:
    """Every term in the name, or the package includes a lab test the query names."""
    in_name = " AND ".join(q.lower_like("t.name", term) for term in s.text.terms)
    if not s.text_lab_test_ids:
        return f"({in_name})"
    return (
        f"(({in_name}) OR EXISTS (SELECT 1 FROM package_lab_test tm WHERE tm.package_id = t.id"
        f" AND tm.lab_test_id {q.in_ints(s.text_lab_test_ids)}))"
    )


def _conditions(q: SqlBuilder, s: PackageSearch) -> list[str]:
    where = set_filters(
        q, ("t.kind =", s.kind), ("t.ward =", s.ward), ("t.procedure =", s.procedure)
    )
    if s.lab_test_id is not None:
        where.append(
            # The link's copy of its owner's city (db.lab_cities) reads the city's links alone.
            "EXISTS (SELECT 1 FROM package_lab_test plt WHERE plt.package_id = t.id"
            f" AND plt.lab_test_id = {q.p(s.lab_test_id)} AND plt.city_id = {q.p(s.city_id)})"
        )
    where += set_filters(
        q,
        ("t.price_min_paise >=", s.price_min_paise),
        ("t.price_min_paise <=", s.price_max_paise),
    )
    if not s.text.empty:
        where.append(_text_match(q, s))
    for kind, column, _, _ in OWNERS:
        if s.provider_kind == kind:
            where.append(f"t.{column} IS NOT NULL")
    where.append(_in_city(q, s))  # last: checked per candidate row (see the module note)
    return where


def _relevance(q: SqlBuilder, s: PackageSearch) -> str:
    """Integer text score: the whole query in the name, then a named lab test included."""
    if s.text.empty:
        return "0"
    parts = [f"(CASE WHEN {q.lower_like('t.name', ' '.join(s.text.terms))} THEN 2 ELSE 0 END)"]
    if s.text_lab_test_ids:
        parts.append(
            "(CASE WHEN EXISTS (SELECT 1 FROM package_lab_test tr WHERE tr.package_id = t.id"
            f" AND tr.lab_test_id {q.in_ints(s.text_lab_test_ids)}) THEN 1 ELSE 0 END)"
        )
    return "(" + " + ".join(parts) + ")"


def sort_keys(q: SqlBuilder, s: PackageSearch) -> list[SortKey]:
    """The ordering of a sort: integer keys, always ending with the id so that it is total."""
    by_id = SortKey("t.id", "_id", False)
    cheapest = SortKey("t.price_min_paise", "_k1", False)
    if s.sort == "PRICE_ASC":
        return [SortKey("t.price_min_paise", "_k0", False), by_id]
    if s.sort == "PRICE_DESC":
        return [SortKey("t.price_min_paise", "_k0", True), by_id]
    if s.sort == "DISCOUNT":
        return [SortKey(DISCOUNT_BPS, "_k0", True), cheapest, by_id]
    return [SortKey(_relevance(q, s), "_k0", True), cheapest, by_id]


async def search_page(s: PackageSearch, page: Page) -> tuple[list[dict[str, Any]], list[Key]]:
    """Up to first + 1 package rows in sort order, and the sort key of each."""
    q = SqlBuilder()
    return await fetch_page(
        q,
        select=columns(models.PricePackage, "t"),
        from_="price_package t",
        where=_conditions(q, s),
        keys=sort_keys(q, s),
        page=page,
    )


async def search_count(s: PackageSearch) -> int:
    q = SqlBuilder()
    return await count_rows(q, "price_package t", _conditions(q, s))


async def search_facets(s: PackageSearch) -> FacetRows:
    """Kinds, wards and provider kinds, each over the search without its own filter.

    The three facet filters are plain columns, so one pass grouped by all three (at most a
    few hundred groups) serves every facet: each facet sums the groups that pass the other
    two filters. One scan of the city's packages instead of three.
    """
    q = SqlBuilder()
    base = replace(s, kind=None, ward=None, provider_kind=None)
    rows = await q.fetch(
        f"SELECT t.kind AS kind, t.ward AS ward, {PROVIDER_KIND} AS provider, COUNT(*) AS n"
        f" FROM price_package t WHERE {' AND '.join(_conditions(q, base))}"
        # The provider first: grouping in index order (kind, ward) made PostgreSQL walk the
        # whole kind index instead of scanning the table (460 ms vs 240 ms on medium).
        f" GROUP BY {PROVIDER_KIND}, t.kind, t.ward"
    )
    wanted = {"kind": s.kind, "ward": s.ward, "provider": s.provider_kind}
    facets = {"kinds": "kind", "wards": "ward", "providerKinds": "provider"}
    found: FacetRows = {}
    for name, column in facets.items():
        counts: dict[str, int] = defaultdict(int)
        for row in rows:
            others = (c for c in wanted if c != column and wanted[c] is not None)
            if row[column] is not None and all(row[c] == wanted[c] for c in others):
                counts[str(row[column])] += int(row["n"])
        found[name] = sorted(((v, v, n) for v, n in counts.items()), key=lambda r: (-r[2], r[0]))
    return found


@dataclass(frozen=True)
class PriceStats:
    """Statistics over every matching offer's starting price, in paise."""

    count: int
    min: int | None
    median: Decimal | None  # exact: the mean of the two middle prices may end in half a paisa
    max: int | None
    approximate: bool


async def price_stats(s: PackageSearch) -> PriceStats:
    """Count, min, exact median and max in one statement that returns at most four rows.

    Window functions number the prices in order and only the first, last and middle one or two
    rows come back: the exact median without sending the whole list to Python.
    """
    q = SqlBuilder()
    rows = await q.fetch(
        "SELECT s.rn, s.cnt, s.price, s.approx FROM (SELECT t.price_min_paise AS price,"
        " ROW_NUMBER() OVER (ORDER BY t.price_min_paise, t.id) AS rn, COUNT(*) OVER () AS cnt,"
        " MAX(CASE WHEN t.approximate THEN 1 ELSE 0 END) OVER () AS approx"
        f" FROM price_package t WHERE {' AND '.join(_conditions(q, s))}) s"
        " WHERE s.rn = 1 OR s.rn = s.cnt OR s.rn = (s.cnt + 1) / 2 OR s.rn = (s.cnt + 2) / 2"
    )
    if not rows:
        return PriceStats(count=0, min=None, median=None, max=None, approximate=False)
    count = int(rows[0]["cnt"])
    prices = {int(r["rn"]): int(r["price"]) for r in rows}
    middle = prices[(count + 1) // 2] + prices[(count + 2) // 2]
    return PriceStats(
        count=count,
        min=prices[1],
        median=Decimal(middle) / 2,
        max=prices[count],
        approximate=any(bool(r["approx"]) for r in rows),
    )
