"""The practitioner search: filters, relevance, sorts with keyset paging, and facets.

One statement for a page; one for `totalCount` alone, or one for `totalCount` and all five
facets together, each facet counted over the filtered set without its own filter. A search
with no text, no `near` and no filter but one specialty and a gender reads its total and
facets from the counts kept in step with writes (`db.facet_summary`) instead of counting a
whole city's practitioners per request. Filters run
on the derived search columns (`db.search_index`); `near` alone looks at practices, since a
practitioner is as near as their nearest practice (a hospital bounding box, then the practices
there, grouped per practitioner).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from hmsdesk_graph.db import derived, models
from hmsdesk_graph.db.facet_summary import ANY_GENDER, ANY_SPECIALTY, FEE_BUCKETS, FEE_TOP_BUCKET
from hmsdesk_graph.db.sql import SqlBuilder, column_list, columns
from hmsdesk_graph.pagination import Page
from hmsdesk_graph.search.listing import IST as IST  # re-exported: resolvers use it
from hmsdesk_graph.search.listing import FacetedSearch, min_rating_condition, rating_points
from hmsdesk_graph.search.query import (
    Near,
    SortKey,
    keyset_condition,
    name_match_expr,
    near_practice_condition,
    nearest_practices_sql,
    order_by,
    set_filters,
    text_condition,
)
from hmsdesk_graph.search.text import TextQuery

FEE_ORDER = (*(label for label, _, _ in FEE_BUCKETS), FEE_TOP_BUCKET[0])
AVAILABILITY_WINDOWS = ("TODAY", "TOMORROW", "NEXT_7_DAYS")
SORTS = ("RELEVANCE", "STORIES", "EXPERIENCE", "FEE_ASC", "FEE_DESC", "DISTANCE", "RATING")
NO_FEE = 10**12  # sorts practitioners without a listed fee last
NEAREST = "np"  # alias of the page's join of nearest practices (with `near`)
MATCHED = "tx"  # alias of the text matches of the city, read first when text meets `near`


def availability_mask(window: str, now: datetime | None = None) -> int:
    """Weekday bits (Monday = bit 0) that satisfy an availability window, in India time."""
    today = (now or datetime.now(IST)).astimezone(IST).weekday()
    if window == "TODAY":
        return 1 << today
    if window == "TOMORROW":
        return 1 << ((today + 1) % 7)
    return 0b1111111


@dataclass(frozen=True)
class PractitionerSearch(FacetedSearch):
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

    # The fields each facet's own filter reads (`_own_filters`), and their value when it is off.
    OWN_FILTERS: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "specialties": {"specialty_ids": ()},
        "localities": {"locality_ids": ()},
        "fee": {"fee_min_paise": None, "fee_max_paise": None},
        "gender": {"gender": None},
        "availability": {"availability": None},
    }


FACETS = ("specialties", "localities", "fee", "gender", "availability")


def _own_filters(q: SqlBuilder, s: PractitionerSearch) -> dict[str, str]:
    """The condition each facet's own filter adds to the search (only the filters in use).

    `_conditions(s)` is `_conditions(s.without_facets())` AND all of these, and
    `_conditions(s.without(f))` is the same without `f`'s: the one-pass facets rely on it.
    """
    own: dict[str, str] = {}
    if s.specialty_ids:
        own["specialties"] = (
            "EXISTS (SELECT 1 FROM practitioner_specialty ps WHERE ps.practitioner_id = t.id"
            f" AND ps.specialty_id {q.in_ints(s.specialty_ids)})"
        )
    if s.locality_ids:
        # One practice both in the localities and at the hospital, when both are asked.
        own["localities"] = _practises_at(q, s.locality_ids, s.hospital_id)
    fee = []
    if s.fee_min_paise is not None:
        fee.append(f"t.min_fee_paise >= {q.p(s.fee_min_paise)}")
    if s.fee_max_paise is not None:
        fee.append(f"t.min_fee_paise <= {q.p(s.fee_max_paise)}")
    if fee:
        own["fee"] = " AND ".join(fee)
    if s.gender:
        own["gender"] = f"t.gender = {q.p(s.gender)}"
    if s.availability:
        mask = availability_mask(s.availability, s.now)
        own["availability"] = f"(t.available_days & {q.p(mask)}) <> 0"
    return own


def _practises_at(q: SqlBuilder, locality_ids: tuple[int, ...], hospital_id: int | None) -> str:
    inner = ["r.practitioner_id = t.id"]
    if locality_ids:
        inner.append(f"h.locality_id {q.in_ints(locality_ids)}")
    if hospital_id is not None:
        inner.append(f"h.id = {q.p(hospital_id)}")
    return (
        "EXISTS (SELECT 1 FROM practitioner_role r JOIN hospital h ON h.id = r.hospital_id"
        f" WHERE {' AND '.join(inner)})"
    )


def _text_first(s: PractitionerSearch) -> bool:
    """Whether the statement reads the city's text matches first (`_matched`), then `near`.

    A 10 km radius holds most of a city: checking each practitioner near the point for the
    text read ~16k rows by primary key (and each one's search vector); the text index and the
    city give the few thousand matches at once, and `near` joins them as a set.
    """
    return not s.text.empty and s.near is not None


def _matched(q: SqlBuilder, s: PractitionerSearch) -> str:
    """`WITH` entry: ids of the city's active practitioners whose document matches the text."""
    return (
        f"{MATCHED} AS MATERIALIZED (SELECT t.id FROM practitioner t"
        f" WHERE t.city_id = {q.p(s.city_id)} AND t.status = 'ACTIVE'"
        f" AND {text_condition(q, s.text, 'practitioner')})"
    )


def _conditions(q: SqlBuilder, s: PractitionerSearch, near_joined: bool = False) -> list[str]:
    """The filters as SQL on `practitioner t` (`near_joined`: the page's join does `near`).

    With `_text_first`, the statement reads `t` through `_matched`: the text is tested there
    and `near` is joined to its ids.
    """
    where = [f"t.city_id = {q.p(s.city_id)}", "t.status = 'ACTIVE'"]
    text_first = _text_first(s)
    if not s.text.empty and not text_first:
        where.append(text_condition(q, s.text, "practitioner"))
    where += _own_filters(q, s).values()
    if s.hospital_id is not None and not s.locality_ids:
        where.append(_practises_at(q, (), s.hospital_id))
    if s.min_experience_years is not None:
        where.append(f"t.practising_since <= {q.p(s.now.year - s.min_experience_years)}")
    where += set_filters(
        q, ("t.video_consult =", s.video_consult), ("t.instant_booking =", s.instant_booking)
    )
    if s.languages:
        if q.postgres:
            where.append(f"t.languages ?| {q.p(list(s.languages))}::text[]")
        else:
            where.append(
                "EXISTS (SELECT 1 FROM json_each(t.languages) j"
                f" WHERE j.value {q.in_texts(s.languages)})"
            )
    where += set_filters(q, ("t.rating_count >=", s.min_reviews))
    if s.min_rating_centi is not None:
        where.append(min_rating_condition(q, s.min_rating_centi))
    if s.near is not None and not near_joined:
        where.append(near_practice_condition(q, s.near, MATCHED if text_first else "t"))
    return where


def _source(q: SqlBuilder, s: PractitionerSearch) -> tuple[str, str]:
    """The statement's `WITH ` prefix (or nothing) and the FROM clause reading `t`."""
    if _text_first(s):
        return f"WITH {_matched(q, s)} ", f"{MATCHED} JOIN practitioner t ON t.id = {MATCHED}.id"
    return "", "practitioner t"


def _relevance(q: SqlBuilder, s: PractitionerSearch, nearest: str) -> str:
    """Integer relevance: text (name, specialty meant), rating, stories, availability, proximity."""
    parts = [rating_points(), "(CASE WHEN t.rating_count > 500 THEN 500 ELSE t.rating_count END)"]
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
        d = f"{nearest}.distance_key"
        parts.append(
            f"(CASE WHEN {d} <= 1000000 THEN 600 WHEN {d} <= 25000000 THEN 400"
            f" WHEN {d} <= 100000000 THEN 200 ELSE 0 END)"
        )
    return "(" + " + ".join(parts) + ")"


def sort_keys(q: SqlBuilder, s: PractitionerSearch, nearest: str = NEAREST) -> list[SortKey]:
    """The ordering of a sort, always ending with the id so that it is total.

    With `near`, the keys read the distance of the `nearest` alias (the page statement's join
    of nearest practices, or the combined statement's rows, which carry it).
    """
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
        return [SortKey(f"{nearest}.distance_key", "_k0", False), by_id]
    if s.sort == "RATING":
        return [
            SortKey(rating_points(), "_k0", True),
            SortKey("t.rating_count", "_k1", True),
            by_id,
        ]
    return [SortKey(_relevance(q, s, nearest), "_k0", True), by_id]


def _nearest_join(q: SqlBuilder, s: PractitionerSearch, near: Near) -> str:
    """`JOIN` of each practitioner's nearest practice (`NEAREST`) onto `t`.

    PostgreSQL misjudges how many practices a radius holds (a box of two ranges times a guessed
    radius test: ~3k expected where a 10 km radius in a city holds ~22k), and probed the city
    index once per practitioner near; `t.id + 0` leaves it one way, a hash join over one pass
    of the city's covering index, which is bounded by the city's size however wide the radius.
    """
    if _text_first(s):
        # Only the text matches' practices are grouped (~2k of ~26k in a city's 10 km): else
        # each practitioner near is looked up by key, or every practice near is grouped.
        nearest = nearest_practices_sql(q, near, among=f"SELECT id FROM {MATCHED}")
        return f" JOIN ({nearest}) {NEAREST} ON {NEAREST}.practitioner_id = t.id"
    nearest = nearest_practices_sql(q, near)
    own_id = "t.id + 0" if q.postgres else "t.id"
    return f" JOIN ({nearest}) {NEAREST} ON {NEAREST}.practitioner_id = {own_id}"


async def search_page(s: PractitionerSearch, page: Page, read_only: bool = False) -> Sequence[Any]:
    """Up to first + 1 practitioner rows in sort order, each with its sort key columns
    (the driver's read-only rows when `read_only`, else dicts a caller may change)."""
    return (await search_page_and_ids(s, page, (), read_only))[0]


def _by_ids(
    q: SqlBuilder, ids: Sequence[int], head: str, width: int, leave_out: frozenset[str]
) -> str:
    """`UNION ALL` of the ACTIVE practitioners of `ids`, every column but `leave_out`, after
    `head` and before `width` NULLs: in the page's column layout, so one statement reads both."""
    pad = ", NULL" * width
    return (
        f" UNION ALL SELECT {head}{columns(models.Practitioner, 't', leave_out)}{pad}"
        " FROM practitioner t"
        f" WHERE t.id {q.in_ints(ids)} AND t.status = 'ACTIVE'"
    )


async def search_page_and_ids(
    s: PractitionerSearch,
    page: Page,
    ids: Sequence[int],
    read_only: bool = False,
    leave_out: frozenset[str] = frozenset(),
) -> tuple[Sequence[Any], list[Any]]:
    """`search_page`'s rows, and in the same statement the rows of the ACTIVE practitioners
    of `ids` (a search's sponsored practitioners, placed before it), in no order; without the
    columns of `leave_out` (a lean read's unread columns)."""
    q = SqlBuilder()
    keys = sort_keys(q, s)
    # With `_text_first`, only the nearest practices of the text matches join `t` (below).
    with_ = _source(q, s)[0]
    from_ = "practitioner t"
    where = _conditions(q, s, near_joined=True)
    if page.after:
        where.append(keyset_condition(q, keys, page.after))
    if s.near is not None:
        # The nearest practice's key comes with the near filter: one aggregate, no subquery per row.
        from_ += _nearest_join(q, s, s.near)
    # Two steps: the ids and sort keys of the page, ranked on the narrow columns (the covering
    # city index answers them without the wide rows when there is no text), then every column
    # of those few rows only. Ranking whole rows read and sorted ~1.4 KB per candidate.
    ranked = ", ".join(f"{k.expr} AS {k.alias}" for k in keys)
    picked = ", ".join(f"k.{k.alias} AS {k.alias}" for k in keys)
    fetch = q.fetch_rows if read_only else q.fetch
    select = (
        f"{columns(models.Practitioner, 't', leave_out)}, {picked}"
        f" FROM (SELECT {ranked} FROM {from_} WHERE {' AND '.join(where)}"
        f" ORDER BY {order_by(keys)} LIMIT {q.p(page.first + 1)}) k"
        " JOIN practitioner t ON t.id = k._id"
    )
    if not ids:
        return await fetch(f"{with_}SELECT {select} ORDER BY {order_by(keys)}"), []
    # The page's rows first, in order; the rows by id (NULL keys) after them.
    rows = await fetch(
        f"{with_}SELECT 0 AS _by_id, {select}{_by_ids(q, ids, '1, ', len(keys), leave_out)}"
        f" ORDER BY _by_id, {order_by(keys)}"
    )
    split = next((i for i, row in enumerate(rows) if row["_by_id"]), len(rows))
    return rows[:split], list(rows[split:])


async def search_count(s: PractitionerSearch) -> int:
    """`totalCount` alone: from the kept counts when they can answer, else counted."""
    if counted_key(s) is not None:
        summary = await _counted_summary(s)
        if summary is not None:
            return summary.total
    q = SqlBuilder()
    with_, from_ = _source(q, s)
    rows = await q.fetch(
        f"{with_}SELECT COUNT(*) AS n FROM {from_} WHERE {' AND '.join(_conditions(q, s))}"
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


NO_FACETS = FacetCounts([], [], [], [], [])


@dataclass(frozen=True)
class SearchSummary:
    """`totalCount` and every facet of one search."""

    total: int
    facets: FacetCounts


def _flag(name: str) -> str:
    return f"f_{name}"


# Columns `b` carries for ranking a page from it (`_combined_sql`), beside the facets' own.
_RANKED_COLUMNS = ("rating_count", "rating_sum", "practising_since")


def _b_cte(q: SqlBuilder, s: PractitionerSearch, facets: bool, page: bool) -> tuple[str, list[str]]:
    """`WITH …` up to the CTE `b`: the search's rows with the columns the facets count.

    With `facets`, `b` is the search without any facet's own filter, with a 0/1 column per own
    filter in use, and (two or more in use) without the rows that fail more than one of them,
    which count nowhere; else it is the search itself. With `page`, `b` also carries what the
    page ranks on (and, with `near`, each row's nearest practice as `distance_key`). Returns
    the SQL and the facets whose flag columns `b` has.
    """
    with_, from_ = _source(q, s)
    near_joined = page and s.near is not None
    if near_joined:
        assert s.near is not None
        # As the page statement reads it: the join of nearest practices keeps the text matches
        # alone, so `t` is not joined to them twice (the planner then expected one row, and
        # scanned the whole aggregate once per match).
        from_ = "practitioner t" + _nearest_join(q, s, s.near)
    searched = s.without_facets() if facets else s
    where = _conditions(q, searched, near_joined=near_joined)
    own = _own_filters(q, s) if facets else {}
    flags = "".join(
        f", CASE WHEN {condition} THEN 1 ELSE 0 END AS {_flag(name)}"
        for name, condition in own.items()
    )
    extra = ""
    if page:
        extra = "".join(f", t.{c}" for c in _RANKED_COLUMNS)
        if not s.text.empty:
            extra += ", t.name"  # the relevance's name match
        if near_joined:
            extra += f", {NEAREST}.distance_key"
    inner = (
        "SELECT t.id, t.gender, t.min_fee_paise, t.available_days, t.specialty_ids,"
        f" t.locality_ids{extra}{flags} FROM {from_} WHERE {' AND '.join(where)}"
    )
    if len(own) >= 2:
        passed = " + ".join(_flag(name) for name in own)
        inner = f"SELECT * FROM ({inner}) x WHERE {passed} >= {len(own) - 1}"
    with_ = f"{with_}, " if with_ else "WITH "
    return f"{with_}b AS MATERIALIZED ({inner}) ", list(own)


CELL = "cell"  # `_facet` of the rows that count the total, fees, genders and availability


def _branches(
    q: SqlBuilder, s: PractitionerSearch, own: list[str], facets: bool, pad: str = ""
) -> list[str]:
    """`SELECT`s over `b` of `_facet, _v, _label, _n` (then `pad`): the total, and with
    `facets` each facet, every one counted without its own filter (`own`: `b`'s flags).

    With `facets`, the total, fees, genders and availability come from one pass: `b`'s rows
    counted per cell of gender, fee bucket, each availability window and each own filter's
    flag (`_cells` adds them up), not one pass of `b` each (six, on ~22k rows near a point).
    """

    def ids_counted(column: str) -> str:
        # The id lists on the row (`db.derived`, each id once; the links while it has none).
        listed = derived.ids_or_links(q.postgres, "practitioner", column, "b")
        where = passing(but="specialties" if column == "specialty_ids" else "localities")
        if q.postgres:  # unnest in the select list: no function scan (and tuplestore) per row
            return f"SELECT i, COUNT(*) AS n FROM (SELECT unnest({listed}) AS i FROM b{where}) u"
        return f"SELECT u.value AS i, COUNT(*) AS n FROM b, json_each({listed}) AS u{where}"

    def passing(*conditions: str, but: str | None = None) -> str:
        kept = [*conditions, *(f"b.{_flag(n)} = 1" for n in own if n != but)]
        return f" WHERE {' AND '.join(kept)}" if kept else ""

    no_label = "CAST(NULL AS TEXT)"
    if not facets:
        return [
            f"SELECT 'total' AS _facet, {no_label} AS _v, {no_label} AS _label, COUNT(*) AS _n"
            f"{pad} FROM b{passing()}"
        ]
    fee_bucket = (
        "CASE WHEN b.min_fee_paise IS NULL THEN ''"
        + " ".join(
            f" WHEN b.min_fee_paise >= {low} AND b.min_fee_paise < {high} THEN '{label}'"
            for label, low, high in FEE_BUCKETS
        )
        + f" ELSE '{FEE_TOP_BUCKET[0]}' END"
    )
    bits = [
        f"CASE WHEN (COALESCE(b.available_days, 0) & {availability_mask(w, s.now)}) <> 0"
        " THEN '1' ELSE '0' END"
        for w in AVAILABILITY_WINDOWS
    ]
    bits += [f"CASE WHEN b.{_flag(n)} = 1 THEN '1' ELSE '0' END" for n in own]
    cell = " || ".join([fee_bucket, "'|'", *bits])
    return [
        f"SELECT '{CELL}' AS _facet, CAST(b.gender AS TEXT) AS _v, {cell} AS _label,"
        f" COUNT(*) AS _n{pad} FROM b GROUP BY b.gender, {cell}",
        f"SELECT 'specialties', CAST(sp.slug AS TEXT), CAST(sp.name AS TEXT), c.n{pad} FROM"
        f" ({ids_counted('specialty_ids')} GROUP BY i) c JOIN specialty sp ON sp.id = c.i",
        f"SELECT 'localities', CAST(lo.slug AS TEXT), CAST(lo.name AS TEXT), c.n{pad} FROM"
        f" ({ids_counted('locality_ids')} GROUP BY i) c JOIN locality lo ON lo.id = c.i",
    ]


def _cells(
    cells: list[tuple[str, str, int]], own: list[str]
) -> tuple[int, dict[str, int], dict[str, int], dict[str, int]]:
    """The total, fees, genders and availability from `_branches`' cells: each counts the
    cells that pass every own filter but its own."""
    total = 0
    fees: dict[str, int] = {}
    genders: dict[str, int] = {}
    windows: dict[str, int] = {}
    for gender, code, n in cells:
        fee, bits = code.split("|")
        flags = bits[len(AVAILABILITY_WINDOWS) :]
        failed = {name for name, bit in zip(own, flags, strict=True) if bit != "1"}
        if not failed:
            total += n
        if fee and failed <= {"fee"}:
            fees[fee] = fees.get(fee, 0) + n
        if failed <= {"gender"}:
            genders[gender] = genders.get(gender, 0) + n
        if failed <= {"availability"}:
            for window, bit in zip(AVAILABILITY_WINDOWS, bits, strict=False):
                if bit == "1":
                    windows[window] = windows.get(window, 0) + n
    return total, fees, genders, windows


def _summary_sql(q: SqlBuilder, s: PractitionerSearch) -> tuple[str, list[str]]:
    """One statement: the total and each facet, every one counted without its own filter;
    and the own filters whose flags its cells carry."""
    with_b, own = _b_cte(q, s, facets=True, page=False)
    return with_b + " UNION ALL ".join(_branches(q, s, own, facets=True)), own


PAGE_ROW = "page"  # `_facet` of the combined statement's page rows
BY_ID_ROW = "by_id"  # `_facet` of the rows it reads by id (see search_page_and_ids)


def _combined_sql(
    q: SqlBuilder,
    s: PractitionerSearch,
    page: Page,
    facets: bool,
    ids: Sequence[int] = (),
    leave_out: frozenset[str] = frozenset(),
) -> tuple[str, list[str]]:
    """One statement: the page's rows (`_facet` 'page', `_n` their place), then the total and,
    with `facets`, every facet, all read from one `b`: the filter (text, `near`) runs once.

    The page keeps the rows of `b` that pass every own filter, which is the whole search.
    """
    with_b, own = _b_cte(q, s, facets=facets, page=True)
    keys = sort_keys(q, s, nearest="t")
    where = [f"t.{_flag(name)} = 1" for name in own]
    if page.after:
        where.append(keyset_condition(q, keys, page.after))
    ranked = ", ".join(f"{k.expr} AS {k.alias}" for k in keys)
    picked = ", ".join(f"k.{k.alias} AS {k.alias}" for k in keys)
    filtered = f" WHERE {' AND '.join(where)}" if where else ""
    page_sql = (
        f"SELECT '{PAGE_ROW}' AS _facet, CAST(NULL AS TEXT) AS _v, CAST(NULL AS TEXT) AS _label,"
        f" ROW_NUMBER() OVER (ORDER BY {order_by(keys)}) AS _n,"
        f" {columns(models.Practitioner, 't', leave_out)}, {picked}"
        f" FROM (SELECT {ranked} FROM b t{filtered}"
        f" ORDER BY {order_by(keys)} LIMIT {q.p(page.first + 1)}) k"
        " JOIN practitioner t ON t.id = k._id"
    )
    width = len(column_list(models.Practitioner, "t", leave_out)) + len(keys)
    pad = ", NULL" * width
    if ids:
        head = f"'{BY_ID_ROW}', CAST(NULL AS TEXT), CAST(NULL AS TEXT), NULL, "
        page_sql += _by_ids(q, ids, head, len(keys), leave_out)
    return with_b + " UNION ALL ".join([page_sql, *_branches(q, s, own, facets, pad)]), own


def _most_first(rows: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    # Code point order of the values: the order of SQLite's BINARY and PostgreSQL's C collation.
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def counted_key(s: PractitionerSearch) -> tuple[int, str] | None:
    """The (specialty, gender) key of the kept counts that answer this search, if any.

    Only the city, one specialty and a gender: any other filter (text, `near`, fee, …) would
    need the rows.
    """
    if (
        not s.text.empty
        or s.near is not None
        or s.hospital_id is not None
        or s.locality_ids
        or len(s.specialty_ids) > 1
        or s.fee_min_paise is not None
        or s.fee_max_paise is not None
        or s.availability is not None
        or s.min_experience_years is not None
        or s.video_consult is not None
        or s.instant_booking is not None
        or s.languages
        or s.min_reviews is not None
        or s.min_rating_centi is not None
    ):
        return None
    specialty = s.specialty_ids[0] if s.specialty_ids else ANY_SPECIALTY
    return specialty, s.gender or ANY_GENDER


async def _counted_summary(s: PractitionerSearch) -> SearchSummary | None:
    """The total and facets from the kept counts (one statement); None until they are built.

    Each facet reads the key without its own filter: specialties the any-specialty key,
    genders the any-gender key, the rest the search's own key.
    """
    key = counted_key(s)
    assert key is not None
    specialty, gender = key
    q = SqlBuilder()
    rows = await q.fetch(
        "SELECT c.specialty_id AS sk, c.gender AS gk, c.facet, c.value, c.n,"
        " sp.slug AS s_slug, sp.name AS s_name, lo.slug AS l_slug, lo.name AS l_name"
        " FROM practitioner_facet_count c"
        " LEFT JOIN specialty sp ON c.facet = 'spec' AND sp.id = c.ref"
        " LEFT JOIN locality lo ON c.facet = 'loc' AND lo.id = c.ref"
        f" WHERE (c.city_id = {q.p(s.city_id)} AND c.specialty_id {q.in_ints({specialty, 0})}"
        f" AND c.gender {q.in_texts({gender, ANY_GENDER})} AND c.n > 0)"
        " OR (c.city_id = 0 AND c.facet = 'built')"
    )
    if not any(r["facet"] == "built" for r in rows):
        return None
    own: dict[tuple[str, str], int] = {}
    specialties: list[tuple[str, str, int]] = []
    localities: list[tuple[str, str, int]] = []
    genders: list[tuple[str, int]] = []
    for r in rows:
        at, facet, n = (int(r["sk"]), str(r["gk"])), str(r["facet"]), int(r["n"])
        if facet == "spec" and at == (ANY_SPECIALTY, gender) and r["s_slug"] is not None:
            specialties.append((str(r["s_slug"]), str(r["s_name"]), n))
        elif facet == "gender" and at == (specialty, ANY_GENDER):
            genders.append((str(r["value"]), n))
        elif at == key and facet == "loc" and r["l_slug"] is not None:
            localities.append((str(r["l_slug"]), str(r["l_name"]), n))
        elif at == key:
            own[(facet, str(r["value"]))] = n
    availability = []
    for window in AVAILABILITY_WINDOWS:
        mask = availability_mask(window, s.now)
        # A weekday is one bit; the week is any bit (kept as its own count).
        slot = ("week", "") if mask == 0b1111111 else ("day", str(mask.bit_length() - 1))
        availability.append((window, own.get(slot, 0)))
    return SearchSummary(
        total=own.get(("total", ""), 0),
        facets=FacetCounts(
            specialties=_most_first(specialties),
            localities=_most_first(localities),
            fees=[(label, own.get(("fee", label), 0)) for label in FEE_ORDER],
            genders=sorted(genders, key=lambda x: x[0]),
            availability=availability,
        ),
    )


async def search_summary(s: PractitionerSearch) -> SearchSummary:
    """The total and all five facets: from the kept counts, else one statement over the rows."""
    if counted_key(s) is not None:
        summary = await _counted_summary(s)
        if summary is not None:
            return summary
    return await counted_from_rows(s)


async def counted_from_rows(s: PractitionerSearch) -> SearchSummary:
    """The total and all five facets in one statement over the filtered set."""
    q = SqlBuilder()
    sql, own = _summary_sql(q, s)
    return _summary_of(await q.fetch(sql), own)


def _summary_of(rows: Iterable[Any], own: list[str]) -> SearchSummary:
    """The summary in the rows of `_branches` (facets absent from them count nothing)."""
    found: dict[str, list[tuple[str, str, int]]] = {
        name: [] for name in ("total", CELL, "specialties", "localities")
    }
    for row in rows:
        found[str(row["_facet"])].append((str(row["_v"]), str(row["_label"]), int(row["_n"])))
    if found["total"]:  # the total alone (no facets asked)
        return SearchSummary(total=found["total"][0][2], facets=NO_FACETS)
    total, fees, genders, availability = _cells(found[CELL], own)
    return SearchSummary(
        total=total,
        facets=FacetCounts(
            specialties=_most_first(found["specialties"]),
            localities=_most_first(found["localities"]),
            fees=[(label, fees.get(label, 0)) for label in FEE_ORDER],
            genders=sorted(genders.items(), key=lambda x: x[0]),
            availability=[(w, availability.get(w, 0)) for w in AVAILABILITY_WINDOWS],
        ),
    )


async def search_page_and_summary(
    s: PractitionerSearch, page: Page, facets: bool, read_only: bool = False
) -> tuple[list[Any], SearchSummary]:
    """`search_page`'s rows and the total (with `facets`, every facet too; else none) in one
    statement, the filter run once (`_combined_sql`)."""
    page_rows, summary, _ = await search_page_summary_and_ids(s, page, facets, (), read_only)
    return page_rows, summary


async def search_page_summary_and_ids(
    s: PractitionerSearch,
    page: Page,
    facets: bool,
    ids: Sequence[int],
    read_only: bool = False,
    leave_out: frozenset[str] = frozenset(),
) -> tuple[list[Any], SearchSummary, list[Any]]:
    """`search_page_and_summary`, and the rows of the ACTIVE practitioners of `ids` in the
    same statement (as `search_page_and_ids` reads them, `leave_out` too)."""
    q = SqlBuilder()
    sql, own = _combined_sql(q, s, page, facets, ids, leave_out)
    rows = await (q.fetch_rows if read_only else q.fetch)(sql)
    page_rows = sorted((r for r in rows if r["_facet"] == PAGE_ROW), key=lambda r: int(r["_n"]))
    by_id = [r for r in rows if r["_facet"] == BY_ID_ROW]
    summary = _summary_of((r for r in rows if r["_facet"] not in (PAGE_ROW, BY_ID_ROW)), own)
    return page_rows, summary, by_id


async def search_facets(s: PractitionerSearch) -> FacetCounts:
    """Every facet, each counted without its own filter (one statement, with the total)."""
    return (await search_summary(s)).facets
