"""Shared machinery for search lists: keyset pages, counts and facets in one statement.

The practitioner search writes these out by hand; the facility and package searches share
them. Facets are one `UNION ALL` statement (one round trip for every facet of a screen), each
branch counted over the search without that facet's own filter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, ClassVar, Self, cast

from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.pagination import Key, Page
from hmsdesk_graph.search.query import SortKey, key_of, keyset_condition, order_by

IST = timezone(timedelta(hours=5, minutes=30))


class FacetedSearch:
    """A frozen search dataclass whose facets' own filters ``OWN_FILTERS`` lists.

    ``OWN_FILTERS`` maps each facet to the fields its own filter reads and their value when the
    filter is off. One table per search means `without(f)` and `without_facets()` cannot drift
    apart (the one-pass facet counts rely on them agreeing).
    """

    OWN_FILTERS: ClassVar[Mapping[str, Mapping[str, Any]]]

    def without(self, facet: str) -> Self:
        """The same search without one facet's own filter."""
        return self._cleared(facet)

    def without_facets(self) -> Self:
        """The same search without any facet's own filter."""
        return self._cleared(*self.OWN_FILTERS)

    def _cleared(self, *facets: str) -> Self:
        changes: dict[str, Any] = {}
        for facet in facets:
            if facet not in self.OWN_FILTERS:
                raise ValueError(facet)
            changes.update(self.OWN_FILTERS[facet])
        return cast(Self, replace(cast(Any, self), **changes))


def today_ist() -> str:
    """Today's date in India as ISO text (accreditation validity is a date, compared as text)."""
    return date.isoformat(datetime.now(IST).date())


def rating_points(alias: str = "t") -> str:
    """Mean rating times 100 as an integer (0 without reviews), exact on both backends."""
    return (
        f"(CASE WHEN {alias}.rating_count > 0"
        f" THEN ({alias}.rating_sum * 100) / {alias}.rating_count ELSE 0 END)"
    )


def min_rating_condition(q: SqlBuilder, min_rating_centi: int, alias: str = "t") -> str:
    """Mean rating at least `min_rating_centi` / 100, compared in integers."""
    return (
        f"{alias}.rating_count > 0 AND"
        f" {alias}.rating_sum * 100 >= {q.p(min_rating_centi)} * {alias}.rating_count"
    )


def json_names(q: SqlBuilder, column: str, alias: str = "a") -> tuple[str, str]:
    """(FROM item, name expression) expanding a JSON list of `{name, validUntil}` objects."""
    if q.postgres:
        return f"jsonb_array_elements({column}) {alias}", f"({alias}.value ->> 'name')"
    return f"json_each({column}) {alias}", f"json_extract({alias}.value, '$.name')"


def valid_item(q: SqlBuilder, today: str, alias: str = "a") -> str:
    """The JSON item has no `validUntil` or one not before `today` (ISO dates sort as text)."""
    until = (
        f"({alias}.value ->> 'validUntil')"
        if q.postgres
        else f"json_extract({alias}.value, '$.validUntil')"
    )
    return f"({until} IS NULL OR {until} >= {q.p(today)})"


def sort_columns(keys: list[SortKey]) -> str:
    """The sort key expressions to select next to a row (the id is selected as `_id`)."""
    selected = [f"{k.expr} AS {k.alias}" for k in keys if k.alias != "_id"]
    return "".join(", " + s for s in selected)


async def fetch_page(
    q: SqlBuilder,
    *,
    select: str,
    from_: str,
    where: list[str],
    keys: list[SortKey],
    page: Page,
) -> tuple[list[dict[str, Any]], list[Key]]:
    """Up to first + 1 rows in sort order, and each row's key (its key columns removed)."""
    conditions = list(where)
    if page.after:
        conditions.append(keyset_condition(q, keys, page.after))
    rows = await q.fetch(
        f"SELECT {select}, t.id AS _id{sort_columns(keys)} FROM {from_}"
        f" WHERE {' AND '.join(conditions)}"
        f" ORDER BY {order_by(keys)} LIMIT {q.p(page.first + 1)}"
    )
    row_keys = [key_of(row, keys) for row in rows]
    for row in rows:
        for key in keys:
            row.pop(key.alias, None)
    return rows, row_keys


async def count_rows(q: SqlBuilder, from_: str, where: list[str]) -> int:
    rows = await q.fetch(f"SELECT COUNT(*) AS n FROM {from_} WHERE {' AND '.join(where)}")
    return int(rows[0]["n"])


@dataclass(frozen=True)
class FacetBranch:
    """One facet: the value and label to group by, over its own FROM and conditions."""

    name: str
    value: str
    label: str
    from_: str
    where: list[str]
    count: str = "COUNT(*)"


FacetRows = dict[str, list[tuple[str, str, int]]]


TOTAL = "total"  # the FacetRows entry of `fetch_facets(total=...)`: one row, the count


async def fetch_facets(
    q: SqlBuilder,
    branches: list[FacetBranch],
    with_: str = "",
    total: tuple[str, list[str]] | None = None,
) -> FacetRows:
    """Every facet's (value, label, count) in one statement, most frequent first; with `total`
    (a FROM and its conditions), also the count of its rows, under `TOTAL`.

    Build each branch's conditions with the same `q`: placeholders are numbered per statement.
    `with_` is a WITH clause the branches may read from.
    """
    assert all(b.name.isidentifier() for b in branches)  # names are code, never input
    counted = []
    if total is not None:
        from_, where = total
        counted.append(
            f"SELECT '{TOTAL}' AS facet, '{TOTAL}' AS v, '{TOTAL}' AS label, COUNT(*) AS n"
            f" FROM {from_}{' WHERE ' + ' AND '.join(where) if where else ''}"
        )
    selects = counted + [
        f"SELECT '{b.name}' AS facet, CAST({b.value} AS TEXT) AS v,"
        f" CAST({b.label} AS TEXT) AS label, {b.count} AS n"
        f" FROM {b.from_}{' WHERE ' + ' AND '.join(b.where) if b.where else ''}"
        f" GROUP BY {b.value}, {b.label}"
        for b in branches
    ]
    rows = await q.fetch(with_ + " UNION ALL ".join(selects))
    found: FacetRows = defaultdict(list)
    for row in rows:
        if row["v"] is not None:
            found[str(row["facet"])].append((str(row["v"]), str(row["label"]), int(row["n"])))
    facets = {b.name: sorted(found.get(b.name, []), key=lambda r: (-r[2], r[0])) for b in branches}
    if total is not None:
        facets[TOTAL] = found[TOTAL]
    return facets
