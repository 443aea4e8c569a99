"""The search columns, facet counts and derived lists the seed writes equal what
db.search_index derives.

The seed writes them with its rows (seed.derived) instead of recomputing them after the load;
here a refresh of every row after a small seed must change nothing, the search lexicon
(PostgreSQL) included.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from tortoise import connections

from hmsdesk_graph.db import lab_cities, lexicon
from hmsdesk_graph.db.connection import close_database, open_database
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.db.derived import LISTS, ids_of
from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.seed import seed_database
from hmsdesk_graph.seed.derived import PRACTITIONER_SEARCH_COLUMNS
from tests.conftest import DatabaseFactory, base_settings

Snapshot = dict[str, list[tuple[Any, ...]]]


async def _rows(sql: str) -> list[tuple[Any, ...]]:
    rows = await connections.get("default").execute_query_dict(sql)
    return [tuple(row.values()) for row in rows]


def _words(text: str | None) -> list[str]:
    return sorted((text or "").split())


def _by_words(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The last column (a search document) as its sorted words.

    The refresh reads specialties and lab tests in joins without ORDER BY, so the order of
    their terms in a document is whatever the plan gives; the words are the same.
    """
    return [(*row[:-1], _words(row[-1])) for row in rows]


async def _lexicon() -> Snapshot:
    """The search lexicon's words (PostgreSQL): a refresh adds a document's words, so after a
    seed that wrote them all it adds none."""
    if connections.get("default").capabilities.dialect != "postgres":
        return {}
    return {"lexicon": await _rows(f"SELECT word FROM {lexicon.TABLE} ORDER BY word")}


async def _snapshot() -> Snapshot:
    columns = ", ".join(PRACTITIONER_SEARCH_COLUMNS)
    return {
        **await _lexicon(),
        "practitioner": _by_words(
            await _rows(f"SELECT id, {columns} FROM practitioner ORDER BY id")
        ),
        "hospital": _by_words(await _rows("SELECT id, search_text FROM hospital ORDER BY id")),
        "diagnostic_center": _by_words(
            await _rows("SELECT id, search_text FROM diagnostic_center ORDER BY id")
        ),
        "ratings": await _rows(
            "SELECT 'p', id, rating_count, rating_sum, recommend_count FROM practitioner"
            " UNION ALL SELECT 'h', id, rating_count, rating_sum, recommend_count FROM hospital"
            " UNION ALL SELECT 'c', id, rating_count, rating_sum, recommend_count"
            " FROM diagnostic_center ORDER BY 1, 2"
        ),
        "facet_count": await _rows(
            "SELECT city_id, specialty_id, gender, facet, value, ref, n"
            " FROM practitioner_facet_count WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5"
        ),
        "facet_member": await _rows(
            "SELECT practitioner_id, counted FROM practitioner_facet_member ORDER BY 1"
        ),
        **{
            f"{table} lists": [
                tuple(ids_of(v) for v in row)
                for row in await _rows(f"SELECT {', '.join(lists)} FROM {table} ORDER BY id")
            ]
            for table, lists in LISTS.items()
        },
    }


def test_a_refresh_after_the_seed_changes_no_search_column_or_facet_count(
    database_factory: DatabaseFactory,
) -> None:
    settings = base_settings(database_url=database_factory.new("derived"))

    async def check() -> tuple[Snapshot, Snapshot]:
        await open_database(settings)
        try:
            cipher = FieldCipher(settings.field_encryption_key)
            await seed_database("small", 7, cipher, progress=False, today=date(2027, 3, 10))
            seeded = await _snapshot()
            # Every lab-test link carries its owner's city (the PostgreSQL seed fills them in
            # one statement with the trigger off; SQLite's trigger fills each as written).
            owner = lab_cities.owner_city("plt.package_id")
            seeded["link cities"] = await _rows(
                "SELECT COUNT(*) AS links, COUNT(plt.city_id) AS with_city, SUM(CASE WHEN"
                f" plt.city_id = {owner} THEN 1 ELSE 0 END) AS owners FROM package_lab_test plt"
            )
            await refresh_search_columns()
            return seeded, {**await _snapshot(), "link cities": seeded["link cities"]}
        finally:
            await close_database()

    seeded, refreshed = asyncio.run(check())
    assert len(seeded["practitioner"]) == 2_000
    assert all(row[-1] for row in seeded["practitioner"])  # every one has a search document
    assert len(seeded["facet_member"]) > 1_000
    assert "built" in {row[3] for row in seeded["facet_count"]}
    # The seed writes db.derived's lists too (none left NULL for the readers' fallbacks).
    for table in LISTS:
        assert all(None not in row for row in seeded[f"{table} lists"]), table
    assert any(any(stars) for _, _, stars in seeded["practitioner lists"])
    ((links, with_city, owners_city),) = seeded["link cities"]
    assert links > 1_000 and links == with_city == owners_city
    if "lexicon" in seeded:
        assert len(seeded["lexicon"]) > 100  # the seed spelt out its documents' words
    for part, rows in seeded.items():
        assert rows == refreshed[part], part
