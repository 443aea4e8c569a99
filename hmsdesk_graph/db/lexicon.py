"""The words of the search documents (PostgreSQL), so a typed prefix can be spelt out.

A prefix term (`specialist:*`) makes GIN gather the postings of every word it starts into one
bitmap before the AND: 2 to 3 times the work of the same words typed whole, where GIN skips
along the rarer word's postings (measured on the medium bench data: "skin specialist" in Pune
18-29 ms against 7-9 ms). A search spells each term out as the words it starts, when they are
few, from this table. The table only grows, and the words of a document are added before the
document is written, so it holds every word of every document: a spelt-out term finds exactly
what its prefix finds. SQLite's FTS5 matches prefixes in its own index: no table there.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from hmsdesk_graph.db.connection import is_postgres

TABLE = "search_lexeme"
# More words than this and the prefix itself is cheaper than their OR.
SPELL_OUT_LIMIT = 64
_TABLES = ("practitioner", "hospital", "diagnostic_center")

CREATE = f'CREATE TABLE IF NOT EXISTS {TABLE} (word TEXT COLLATE "C" PRIMARY KEY)'
# Every word of every search document (after a bulk load, or the migration that adds the table).
FILL = (
    f"INSERT INTO {TABLE} (word) SELECT DISTINCT w FROM ("
    + " UNION ALL ".join(
        f"SELECT unnest(tsvector_to_array(search_vector)) AS w FROM {t}" for t in _TABLES
    )
    + ") x ORDER BY w ON CONFLICT DO NOTHING"
)
# Sorted, so that two writers adding the same words take their locks in one order.
_REMEMBER = (
    f"INSERT INTO {TABLE} (word) SELECT DISTINCT w FROM (SELECT"
    " unnest(tsvector_to_array(to_tsvector('simple', COALESCE(d, ''))))"
    " AS w FROM unnest($1::text[]) AS d) x ORDER BY w ON CONFLICT DO NOTHING"
)


async def remember(conn: BaseDBAsyncClient, documents: Sequence[str | None]) -> None:
    """Add the words of `documents` (as the search vector will hold them) before they are
    written; nothing on SQLite."""
    if documents and is_postgres(conn):
        await conn.execute_query(_REMEMBER, [list(documents)])


def spelt_out(low: str, high: str) -> str:
    """SQL (text) of one term as a tsquery: the OR of the words in [`low`, `high`) (the
    placeholders of the term, lowercase letters and digits as the 'simple' configuration keeps
    it, and of `above_prefix(term)`), or the prefix itself when they are none or too many."""
    quoted = "'''' || replace(replace(word, '\\', '\\\\'), '''', '''''') || ''''"
    return (
        f"(SELECT CASE WHEN COUNT(*) BETWEEN 1 AND {SPELL_OUT_LIMIT}"
        f" THEN '(' || string_agg({quoted}, ' | ' ORDER BY word) || ')'"
        f" ELSE '''' || {low} || ''':*' END"
        # Bounded: one word past the limit tells that it is passed (`a` may start thousands).
        f" FROM (SELECT word FROM {TABLE} WHERE word >= {low} AND word < {high}"
        f" ORDER BY word LIMIT {SPELL_OUT_LIMIT + 1}) w)"
    )


def above_prefix(term: str) -> str:
    """The least string greater than every string starting with `term` (ASCII, C order)."""
    return term[:-1] + chr(ord(term[-1]) + 1)
