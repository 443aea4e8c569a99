"""Derived list columns on the provider rows: a practitioner's specialty and practice-locality
ids, a hospital's specialty ids, and every provider's published reviews per star.

The search facets count specialties and localities over ~20k practitioners near a point; a
join through the link tables probed two indexes per practitioner (~200k buffers per request
on the medium bench data). The id lists ride on the row instead (and in the city covering
index), so a facet unnests them. Cards and profiles read specialties from the same lists and
the worker's specialty rows, and a review summary's distribution from the row: no statement.

PostgreSQL keeps `int[]`, SQLite a JSON array as text: ids ascending (`[]` when there are
none), stars as the counts of ratings 1 to 5; NULL until first derived (readers fall back to
the link and review tables then). They are not tortoise fields: only `db.search_index`
writes them, in the refresh that derives the search text and rating totals from the same
rows, so they change together. A model instance read with them keeps them as private
attributes (`keep`, `kept`); a lean row keeps its raw columns anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from hmsdesk_graph.db.connection import is_postgres
from hmsdesk_graph.db.dialect import id_in

STARS = (1, 2, 3, 4, 5)
RATING_STARS = "rating_stars"

# table -> id list column -> the ids of the row `{owner}` (each id once).
ID_LISTS: dict[str, dict[str, str]] = {
    "practitioner": {
        "specialty_ids": (
            "SELECT DISTINCT ps.specialty_id AS i FROM practitioner_specialty ps"
            " WHERE ps.practitioner_id = {owner}"
        ),
        "locality_ids": (
            "SELECT DISTINCT h.locality_id AS i FROM practitioner_role r"
            " JOIN hospital h ON h.id = r.hospital_id WHERE r.practitioner_id = {owner}"
        ),
    },
    "hospital": {
        "specialty_ids": (
            "SELECT DISTINCT hs.specialty_id AS i FROM hospital_specialty hs"
            " WHERE hs.hospital_id = {owner}"
        ),
    },
    "diagnostic_center": {},
}
# table -> its column in `review`.
REVIEWED_BY = {
    "practitioner": "practitioner_id",
    "hospital": "hospital_id",
    "diagnostic_center": "diagnostic_center_id",
}
# table -> every derived column it carries.
LISTS: dict[str, tuple[str, ...]] = {table: (*ids, RATING_STARS) for table, ids in ID_LISTS.items()}


def _ids_expr(postgres: bool, ids_sql: str) -> str:
    if postgres:
        return f"ARRAY(SELECT i FROM ({ids_sql}) x ORDER BY i)"
    return f"(SELECT json_group_array(i) FROM (SELECT i FROM ({ids_sql}) x ORDER BY i))"


def ids_or_links(postgres: bool, table: str, column: str, row: str) -> str:
    """SQL of the id list `column` of the `table` row aliased `row`, from the link table while
    the row's list is NULL (not derived yet)."""
    links = ID_LISTS[table][column].format(owner=f"{row}.id")
    return f"COALESCE({row}.{column}, {_ids_expr(postgres, links)})"


def _stars_expr(postgres: bool, table: str) -> str:
    counts = ", ".join(
        f"(SELECT COUNT(*) FROM review r WHERE r.{REVIEWED_BY[table]} = {table}.id"
        f" AND r.status = 'PUBLISHED' AND r.rating = {star})"
        for star in STARS
    )
    return f"ARRAY[{counts}]" if postgres else f"json_array({counts})"


def _set_clause(table: str, postgres: bool) -> str:
    assignments = [
        f"{column} = {_ids_expr(postgres, sql.format(owner=f'{table}.id'))}"
        for column, sql in ID_LISTS[table].items()
    ]
    assignments.append(f"{RATING_STARS} = {_stars_expr(postgres, table)}")
    return ", ".join(assignments)


async def add_columns(conn: BaseDBAsyncClient) -> None:
    """Add the derived columns (migration 0014); filled by `derive(conn, table)`."""
    kind = "int[]" if is_postgres(conn) else "TEXT"
    for table, columns in LISTS.items():
        for column in columns:
            await conn.execute_script(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


async def derive(conn: BaseDBAsyncClient, table: str, ids: Sequence[int] | None = None) -> None:
    """Set the derived columns of `table`'s rows (every row when `ids` is None)."""
    pg = is_postgres(conn)
    where, params = "", list[Any]()
    if ids is not None:
        cond, params = id_in(pg, ids)
        where = f" WHERE id {cond}"
    await conn.execute_query(f"UPDATE {table} SET {_set_clause(table, pg)}{where}", params)


def ids_of(value: Any) -> list[int] | None:
    """A list column as read (list on PostgreSQL, JSON text on SQLite); None if not derived."""
    if value is None:
        return None
    if isinstance(value, str):
        return [int(i) for i in orjson.loads(value)]
    return [int(i) for i in value]


def keep(instance: Any, row: Any) -> None:
    """Keep a read row's lists on the model instance built from it (the model ignores them)."""
    for column in LISTS[instance._meta.db_table]:
        setattr(instance, f"_{column}", row[column])


def kept(instance: Any, column: str) -> list[int] | None:
    """A list `keep` put on a model instance; None when it was read without it."""
    return ids_of(getattr(instance, f"_{column}", None))
