"""The practitioner text search reads one city's postings (migration 0017, PostgreSQL).

A GIN index on (city_id, search_vector) answers a city's text search without the postings of
the other cities. It must answer exactly what the text condition answers row by row: checked
with the planner made to use it (the other indexes dropped), then reading the table itself
(it dropped too), in a transaction rolled back.
"""

from __future__ import annotations

from typing import Any

import pytest
from tortoise import connections

from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.search.query import text_condition
from hmsdesk_graph.search.text import TextQuery
from tests.factories import Dataset

INDEX = "idx_practitioner_city_text"
SEARCHES = [("cardio",), ("dr",), ("pune",), ("derm", "pu"), ("a",), ("zzqx",)]


async def _plan_and_ids(raw: Any, sql: str, params: list[Any]) -> tuple[str, list[int]]:
    plan = "\n".join(r[0] for r in await raw.fetch(f"EXPLAIN {sql}", *params))
    return plan, sorted(int(r["id"]) for r in await raw.fetch(sql, *params))


@pytest.mark.backend("postgres", reason="the city's text index is PostgreSQL's")
async def test_the_city_text_index_answers_what_reading_every_row_answers(
    dataset: Dataset,
) -> None:
    found_some = False
    async with connections.get("default").acquire_connection() as raw:
        transaction = raw.transaction()
        await transaction.start()
        try:
            # A few dozen rows: the planner would read the table or another index; with those
            # gone (the unique ones cannot serve these searches) it must read this one.
            await raw.execute("SET LOCAL enable_seqscan = off")
            others = await raw.fetch(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'practitioner'"
                " AND indexname <> $1 AND indexdef NOT LIKE 'CREATE UNIQUE%'",
                INDEX,
            )
            assert others, "the search's other indexes"
            for row in others:
                await raw.execute(f'DROP INDEX "{row["indexname"]}"')
            answers = {}
            for city in ("pune", "mumbai"):
                for terms in SEARCHES:
                    q = SqlBuilder()
                    where = text_condition(
                        q, TextQuery(" ".join(terms), terms, frozenset()), "practitioner"
                    )
                    sql = (
                        "SELECT t.id FROM practitioner t"
                        f" WHERE t.city_id = {q.p(dataset.city_ids[city])} AND {where}"
                    )
                    plan, ids = await _plan_and_ids(raw, sql, q.params)
                    assert INDEX in plan, (city, terms, plan)
                    answers[(city, terms)] = (sql, q.params, ids)
                    found_some |= bool(ids)
            await raw.execute(f"DROP INDEX {INDEX}")
            for key, (sql, params, ids) in answers.items():
                plan, without = await _plan_and_ids(raw, sql, params)
                assert INDEX not in plan  # the table itself, filtered row by row
                assert without == ids, key
        finally:
            await transaction.rollback()
    assert found_some
