"""Search-box suggestions: typed, prefix-matched, in a fixed priority order.

Specialties, symptoms and lab tests are a small reference vocabulary: they are matched in
Python against a process-wide copy, rebuilt whenever the shared text vocabulary is (so
`forget_vocabulary()` drops both). Practitioner, hospital and center names are matched in the
database in one statement: the text-search index (tsvector / FTS5 prefix query) finds the
candidates, and a word-prefix test on the name keeps only name matches (the search document
also holds specialties, localities and so on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

from hmsdesk_graph.db.connection import read_connection
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.search.query import text_condition
from hmsdesk_graph.search.text import TextQuery, Vocabulary, vocabulary, words

MAX_SUGGESTIONS = 10
MIN_PREFIX = 2
ORDER = ("SPECIALTY", "SYMPTOM", "PRACTITIONER", "HOSPITAL", "DIAGNOSTIC_CENTER", "LAB_TEST")
# Characters after which a word of a name starts (besides the start of the name).
_WORD_STARTS = (" ", "-", "(")
_NON_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Suggestion:
    type: str
    label: str
    slug: str


@dataclass(frozen=True)
class Entry:
    """A reference item and the normalised phrases (name, synonyms) that find it."""

    type: str
    label: str
    slug: str
    phrases: tuple[str, ...]
    id: int = 0

    def rank(self, prefix: str) -> int | None:
        """0 when a phrase starts with the prefix, 1 when a later word does, else None."""
        if any(p.startswith(prefix) for p in self.phrases):
            return 0
        if any(f" {prefix}" in p for p in self.phrases):
            return 1
        return None


@dataclass(frozen=True)
class Reference:
    source: Vocabulary  # the text vocabulary this copy was built with
    specialties: tuple[Entry, ...]
    symptoms: tuple[Entry, ...]
    lab_tests: tuple[Entry, ...]


def _phrase(text: str) -> str:
    return " ".join(words(text))


def _list(value: object) -> list[str]:
    raw = orjson.loads(value) if isinstance(value, str | bytes) else (value or [])
    return [str(v) for v in raw] if isinstance(raw, list) else []


_reference: Reference | None = None


async def reference() -> Reference:
    """The specialty / symptom / lab-test vocabulary (two statements when rebuilt)."""
    global _reference
    source = await vocabulary()
    if _reference is not None and _reference.source is source:
        return _reference
    conn = read_connection()
    specialties, symptoms, seen = [], [], set()
    for row in await conn.execute_query_dict(
        "SELECT slug, name, synonyms, symptoms FROM specialty ORDER BY name, id"
    ):
        names = [str(row["name"]), *_list(row["synonyms"])]
        specialties.append(
            Entry("SPECIALTY", str(row["name"]), str(row["slug"]), tuple(map(_phrase, names)))
        )
        for symptom in _list(row["symptoms"]):
            slug = _NON_SLUG.sub("-", symptom.lower()).strip("-")
            if slug and slug not in seen:
                seen.add(slug)
                symptoms.append(Entry("SYMPTOM", symptom, slug, (_phrase(symptom),)))
    tests = [
        Entry(
            "LAB_TEST",
            str(row["name"]),
            str(row["slug"]),
            tuple(_phrase(n) for n in [str(row["name"]), *_list(row["synonyms"])]),
            int(row["id"]),
        )
        for row in await conn.execute_query_dict(
            "SELECT id, slug, name, synonyms FROM lab_test ORDER BY name, id"
        )
    ]
    _reference = Reference(source, tuple(specialties), tuple(symptoms), tuple(tests))
    return _reference


def _matching(entries: tuple[Entry, ...], prefix: str) -> list[Suggestion]:
    ranked = [(rank, e) for e in entries if (rank := e.rank(prefix)) is not None]
    ranked.sort(key=lambda pair: (pair[0], pair[1].label.lower(), pair[1].slug))
    return [Suggestion(e.type, e.label, e.slug) for _, e in ranked]


async def lab_tests_named(terms: tuple[str, ...]) -> tuple[int, ...]:
    """Lab tests a search query names: a name or synonym within the query, or the query
    starting one (at least three letters)."""
    if not terms:
        return ()
    query = " ".join(terms)
    found = {
        e.id
        for e in (await reference()).lab_tests
        if any(
            f" {p} " in f" {query} " or (len(query) >= 3 and p.startswith(query)) for p in e.phrases
        )
    }
    return tuple(sorted(found))


def _word_prefix(q: SqlBuilder, term: str) -> str:
    """`term` starts a word of the name (terms are [a-z0-9]+: nothing to escape)."""
    first = f"LOWER(t.name) LIKE {q.p(term + '%')}"
    later = [f"LOWER(t.name) LIKE {q.p(f'%{start}{term}%')}" for start in _WORD_STARTS]
    return "(" + " OR ".join([first, *later]) + ")"


async def _names(city_id: int, terms: tuple[str, ...], limit: int) -> list[Suggestion]:
    """Practitioners, hospitals and centers of the city whose names match, most reviewed first."""
    q = SqlBuilder()
    text = TextQuery(raw=" ".join(terms), terms=terms, specialty_ids=frozenset())
    branches = []
    for kind, table, extra in (
        ("PRACTITIONER", "practitioner", " AND t.status = 'ACTIVE'"),
        ("HOSPITAL", "hospital", ""),
        ("DIAGNOSTIC_CENTER", "diagnostic_center", ""),
    ):
        names = " AND ".join(_word_prefix(q, term) for term in terms)
        branches.append(
            f"SELECT * FROM (SELECT '{kind}' AS type, t.name AS label, t.slug AS slug,"
            f" t.rating_count AS n FROM {table} t WHERE t.city_id = {q.p(city_id)}{extra}"
            f" AND {text_condition(q, text, table)} AND {names}"
            f" ORDER BY t.rating_count DESC, t.name, t.id LIMIT {q.p(limit)}) {table}_names"
        )
    rows = await q.fetch(" UNION ALL ".join(branches))
    rows.sort(key=lambda r: (ORDER.index(str(r["type"])), -int(r["n"]), str(r["label"]), r["slug"]))
    return [Suggestion(str(r["type"]), str(r["label"]), str(r["slug"])) for r in rows]


def normalise(prefix: str) -> tuple[str, ...]:
    """The words of a prefix; empty when it is too short to suggest anything."""
    terms = tuple(words(prefix))
    return terms if len(" ".join(terms)) >= MIN_PREFIX else ()


async def suggest(city_id: int, terms: tuple[str, ...]) -> list[Suggestion]:
    """At most ten suggestions in priority order (at most one statement when warm)."""
    if not terms:
        return []
    ref = await reference()
    prefix = " ".join(terms)
    found = _matching(ref.specialties, prefix) + _matching(ref.symptoms, prefix)
    room = MAX_SUGGESTIONS - len(found)
    if room > 0:
        found += await _names(city_id, terms, room)
    found += _matching(ref.lab_tests, prefix)
    return found[:MAX_SUGGESTIONS]
