"""Reading and bulk-writing one feed's price packages, on PostgreSQL and SQLite.

Every function takes the connection of the feed's transaction. Writes are batched: on
PostgreSQL one ``unnest`` statement per chunk of rows (arrays as parameters, so the text
never grows with the batch); on SQLite ``executemany`` inside the transaction, which is
already the fast path there.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from hmsdesk_graph.db.dialect import placeholders
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.ingest.plan import Owner, StoredPackage
from hmsdesk_graph.ingest.rows import PriceRow

CHUNK = 10_000  # rows per PostgreSQL statement: big enough to amortise, small enough to stream

# Columns a feed row sets, in the order of ``_row_values``.
_ROW_COLUMNS = (
    "name",
    "kind",
    "ward",
    "setting",
    "procedure",
    "price_min_paise",
    "price_max_paise",
    "list_price_paise",
    "offer_price_paise",
    "valid_until",
)
_PG_TYPES = ("text", "text", "text", "text", "text", "bigint", "bigint", "bigint", "bigint")
_PG_ROW_TYPES = (*_PG_TYPES, "timestamptz")


# The fields of a PriceRow carry the column names, so one getter reads them in column order.
_ROW_FIELDS = operator.attrgetter(*_ROW_COLUMNS)


def _row_arrays(rows: Sequence[PriceRow]) -> list[list[Any]]:
    """One list per column of ``_ROW_COLUMNS`` (PostgreSQL array parameters)."""
    values = [_ROW_FIELDS(row) for row in rows]
    return [[value[i] for value in values] for i in range(len(_ROW_COLUMNS))]


def _row_values(row: PriceRow) -> list[Any]:
    return list(_ROW_FIELDS(row))


def _timestamp(value: Any) -> datetime | None:
    """A stored timestamp as an aware datetime (SQLite hands back text)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def load_lab_tests(conn: BaseDBAsyncClient) -> dict[str, int]:
    """The lab test catalogue: slug → id."""
    rows = await conn.execute_query_dict("SELECT id, slug FROM lab_test")
    return {str(row["slug"]): int(row["id"]) for row in rows}


async def lock_feed(conn: BaseDBAsyncClient, feed_id: int) -> None:
    """Serialise runs of one feed (two schedulers on two hosts): PostgreSQL row lock.

    SQLite allows one writer at a time anyway. Bulk statements may outlast the API's
    statement timeout, so the transaction gets a longer one of its own.
    """
    q = SqlBuilder(conn)
    if q.postgres:
        await conn.execute_query("SET LOCAL statement_timeout = '300s'")
        await q.fetch(f"SELECT id FROM feed WHERE id = {q.p(feed_id)} FOR UPDATE")


async def load_stored(conn: BaseDBAsyncClient, feed_id: int) -> dict[str, StoredPackage]:
    """This feed's packages by external_ref, with their included lab tests."""
    q = SqlBuilder(conn)
    feed = q.p(feed_id)
    links: dict[int, list[int]] = defaultdict(list)
    # execute_query hands back the driver's rows (no dict per row): this reads 100k rows.
    _, link_rows = await conn.execute_query(
        "SELECT plt.package_id, plt.lab_test_id FROM package_lab_test plt"
        f" JOIN price_package pp ON pp.id = plt.package_id WHERE pp.feed_id = {feed}",
        q.params,
    )
    for package_id, lab_test_id in link_rows:
        links[package_id].append(lab_test_id)
    _, rows = await conn.execute_query(
        "SELECT id, external_ref, hospital_id, diagnostic_center_id, "
        + ", ".join(_ROW_COLUMNS)
        + f" FROM price_package WHERE feed_id = {feed} AND external_ref IS NOT NULL",
        q.params,
    )
    stored: dict[str, StoredPackage] = {}
    text_times = not q.postgres  # SQLite stores timestamps as text
    owners: dict[tuple[int | None, int | None], Owner] = {}
    for (pid, ref, hospital, center, name, kind, ward, setting, procedure, low, high, listed,
         offer, until) in rows:  # fmt: skip
        found = links.get(pid)
        stored[ref] = StoredPackage(
            ref,
            name,
            kind,
            ward,
            setting,
            procedure,
            tuple(sorted(found)) if found else (),
            low,
            high,
            listed,
            offer,
            _timestamp(until) if text_times else until,
            id=pid,
            owner=owners.get((hospital, center))
            or owners.setdefault((hospital, center), Owner(hospital, center)),
        )
    return stored


def _columns(rows: Sequence[list[Any]], width: int) -> list[list[Any]]:
    """Row-major values to one list per column (PostgreSQL array parameters)."""
    return [[row[i] for row in rows] for i in range(width)]


async def insert_packages(
    conn: BaseDBAsyncClient,
    feed_id: int,
    owner: Owner,
    rows: Sequence[PriceRow],
    now: datetime,
) -> dict[str, int]:
    """Insert new packages; returns external_ref → id for those that include lab tests."""
    if not rows:
        return {}
    postgres = SqlBuilder(conn).postgres
    head = (
        "INSERT INTO price_package (hospital_id, diagnostic_center_id, feed_id, currency,"
        " approximate, fetched_at, created_at, updated_at, external_ref, "
        + ", ".join(_ROW_COLUMNS)
        + ")"
    )
    fixed = [owner.hospital_id, owner.center_id, feed_id, now]
    wanted = {row.external_ref for row in rows if row.lab_test_ids}
    ids: dict[str, int] = {}
    if postgres:
        types = ("text", *_PG_ROW_TYPES)
        arrays = ", ".join(f"${i + 5}::{t}[]" for i, t in enumerate(types))
        sql = (
            f"{head} SELECT $1::int, $2::int, $3::int, 'INR', TRUE, $4, $4, $4, u.*"
            f" FROM unnest({arrays}) AS u RETURNING id, external_ref"
        )
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            refs = [r.external_ref for r in chunk]
            # execute_query_dict: tortoise's execute_query drops RETURNING rows of an INSERT.
            for found in await conn.execute_query_dict(sql, [*fixed, refs, *_row_arrays(chunk)]):
                if found["external_ref"] in wanted:
                    ids[found["external_ref"]] = found["id"]
        return ids
    marks = placeholders(False, 4 + 1 + len(_ROW_COLUMNS))
    sql = (
        f"{head} VALUES ({marks[0]}, {marks[1]}, {marks[2]}, 'INR', 1, {marks[3]}, {marks[3]},"
        f" {marks[3]}, {', '.join(marks[4:])})"
    )
    await conn.execute_many(sql, [[*fixed, row.external_ref, *_row_values(row)] for row in rows])
    if wanted:
        q = SqlBuilder(conn)
        for found in await q.fetch(
            "SELECT id, external_ref FROM price_package"
            f" WHERE feed_id = {q.p(feed_id)} AND external_ref {q.in_texts(sorted(wanted))}"
        ):
            ids[str(found["external_ref"])] = int(found["id"])
    return ids


async def update_packages(
    conn: BaseDBAsyncClient,
    owner: Owner,
    pairs: Sequence[tuple[StoredPackage, PriceRow]],
    now: datetime,
) -> None:
    """Rewrite changed packages with the feed's values (and a new fetched_at)."""
    if not pairs:
        return
    postgres = SqlBuilder(conn).postgres
    if postgres:
        types = ("int", *_PG_ROW_TYPES)
        typed = ", ".join(f"${i + 4}::{t}[]" for i, t in enumerate(types))
        names = ", ".join(("id", *_ROW_COLUMNS))
        sets = ", ".join(f"{c} = u.{c}" for c in _ROW_COLUMNS)
        sql = (
            f"UPDATE price_package AS p SET hospital_id = $1, diagnostic_center_id = $2,"
            f" fetched_at = $3, updated_at = $3, {sets}"
            f" FROM unnest({typed}) AS u({names}) WHERE p.id = u.id"
        )
        for start in range(0, len(pairs), CHUNK):
            chunk = pairs[start : start + CHUNK]
            ids = [old.id for old, _ in chunk]
            columns = _row_arrays([row for _, row in chunk])
            await conn.execute_query(sql, [owner.hospital_id, owner.center_id, now, ids, *columns])
        return
    # SQLite rewrites every index whose columns are SET, changed or not: set only what
    # changed (a bump changes prices only), one executemany per set of changed columns.
    groups: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
    for old, row in pairs:
        changed = tuple(c for c in _ROW_COLUMNS if getattr(old, c) != getattr(row, c))
        values: list[Any] = [now, *(getattr(row, c) for c in changed)]
        if old.owner != owner:
            changed += ("hospital_id", "diagnostic_center_id")
            values += [owner.hospital_id, owner.center_id]
        groups[changed].append([*values, old.id])
    for changed, batch in groups.items():
        marks = placeholders(False, len(changed) + 2)
        sets = "".join(f", {c} = {m}" for c, m in zip(changed, marks[1:], strict=False))
        await conn.execute_many(
            f"UPDATE price_package SET fetched_at = ?1, updated_at = ?1{sets}"
            f" WHERE id = {marks[-1]}",
            batch,
        )


async def mark_stale(conn: BaseDBAsyncClient, package_ids: Sequence[int], now: datetime) -> None:
    """Packages the feed no longer lists: kept, but valid only until now."""
    for start in range(0, len(package_ids), CHUNK):
        q = SqlBuilder(conn)
        moment = q.p(now)
        await conn.execute_query(
            f"UPDATE price_package SET valid_until = {moment}, updated_at = {moment}"
            f" WHERE id {q.in_ints(package_ids[start : start + CHUNK])}",
            q.params,
        )


async def replace_lab_links(
    conn: BaseDBAsyncClient, cleared: Sequence[int], links: Sequence[tuple[int, int]]
) -> None:
    """Drop the lab tests of packages in ``cleared``, then add (package_id, lab_test_id)."""
    for start in range(0, len(cleared), CHUNK):
        q = SqlBuilder(conn)
        packages = q.in_ints(cleared[start : start + CHUNK])
        await conn.execute_query(
            f"DELETE FROM package_lab_test WHERE package_id {packages}", q.params
        )
    if not links:
        return
    if SqlBuilder(conn).postgres:
        sql = (
            "INSERT INTO package_lab_test (package_id, lab_test_id)"
            " SELECT * FROM unnest($1::int[], $2::int[])"
        )
        for start in range(0, len(links), CHUNK):
            chunk = [list(link) for link in links[start : start + CHUNK]]
            await conn.execute_query(sql, _columns(chunk, 2))
        return
    await conn.execute_many(
        "INSERT INTO package_lab_test (package_id, lab_test_id) VALUES (?1, ?2)",
        [list(link) for link in links],
    )
