"""A typed prefix spelt out as the words it starts (`db.lexicon`) finds what the prefix finds.

On PostgreSQL a search term is sent to the text index as the OR of the words in the lexicon
that it starts; the lexicon is filled before documents are written. Both must hold for the
answers to stay those of the prefix query: checked for every prefix of every word the
documents hold, on the three searchable tables, and for a word written after the others.
"""

from __future__ import annotations

from typing import Any

import pytest
from tortoise import connections

from hmsdesk_graph.db import lexicon, models
from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.pagination import Page
from hmsdesk_graph.search.practitioners import PractitionerSearch, search_page
from hmsdesk_graph.search.query import text_condition
from hmsdesk_graph.search.text import TextQuery
from tests.factories import Dataset

TABLES = ("practitioner", "hospital", "diagnostic_center")


def _text(*terms: str) -> TextQuery:
    return TextQuery(raw=" ".join(terms), terms=terms, specialty_ids=frozenset())


async def _ids(sql: str, params: list[Any]) -> list[int]:
    rows = await connections.get("default").execute_query_dict(sql, params)
    return sorted(int(r["id"]) for r in rows)


async def _spelt(table: str, *terms: str) -> list[int]:
    q = SqlBuilder()
    where = text_condition(q, _text(*terms), table)
    return await _ids(f"SELECT t.id FROM {table} t WHERE {where}", q.params)


async def _prefixed(table: str, *terms: str) -> list[int]:
    tsquery = " & ".join(f"{t}:*" for t in terms)
    return await _ids(
        f"SELECT t.id FROM {table} t WHERE t.search_vector @@ to_tsquery('simple', $1)",
        [tsquery],
    )


async def _words() -> list[str]:
    conn = connections.get("default")
    rows = await conn.execute_query_dict(f"SELECT word FROM {lexicon.TABLE} ORDER BY word")
    return [str(r["word"]) for r in rows]


@pytest.mark.backend("postgres", reason="the lexicon spells prefixes out for PostgreSQL's index")
@pytest.mark.parametrize("limit", [lexicon.SPELL_OUT_LIMIT, 1])
async def test_every_prefix_spelt_out_finds_what_the_prefix_finds(
    dataset: Dataset, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    """With the usual limit most prefixes are spelt out; with 1 only those of one word are."""
    monkeypatch.setattr(lexicon, "SPELL_OUT_LIMIT", limit)
    words = [w for w in await _words() if w.isascii() and w.isalnum()]
    assert len(words) > 50  # the dataset's documents are in the lexicon
    prefixes = sorted({w[:n] for w in words for n in (1, 2, 3, 5, 8, len(w))} | {"zzqx"})
    spelt_some = False
    for table in TABLES:
        for prefix in prefixes:
            expected = await _prefixed(table, prefix)
            assert await _spelt(table, prefix) == expected, (table, prefix)
            spelt_some |= bool(expected)
        for pair in [("dr", "pune"), ("card", "pu"), ("blood", "te"), ("a", "zzqx")]:
            assert await _spelt(table, *pair) == await _prefixed(table, *pair), (table, pair)
    assert spelt_some


async def test_a_word_written_later_is_found_by_a_prefix_other_words_share(
    dataset: Dataset,
) -> None:
    """The documents' words are remembered when a refresh writes them: "cardio" already
    stands for "cardiologist", and must now stand for the new word too."""
    pune = dataset.city_ids["pune"]
    before = await search_page(
        PractitionerSearch(city_id=pune, text=_text("cardio")), Page(50, None)
    )
    assert before, "the dataset has Pune cardiologists"
    if connections.get("default").capabilities.dialect == "postgres":
        assert any(w.startswith("cardio") for w in await _words())  # so "cardio" is spelt out
    found = {int(r["id"]) for r in before}
    others = await models.Practitioner.filter(city_id=pune).exclude(id__in=found).first()
    assert others is not None, "a Pune practitioner whom no cardio word finds"
    others.name = "Dr Cardiozqx Rane"
    await others.save()
    await refresh_search_columns(practitioner_ids=[others.pk])
    for term in ("cardio", "cardioz", "cardiozqx"):
        page = await search_page(PractitionerSearch(city_id=pune, text=_text(term)), Page(50, None))
        assert others.pk in [int(r["id"]) for r in page], term
