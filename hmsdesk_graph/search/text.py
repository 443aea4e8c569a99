"""Query understanding: normalise, correct typos against the vocabulary, spot specialties.

Both databases receive the same corrected terms, so "cardiolgist" finds cardiologists on
SQLite (FTS5) and PostgreSQL (tsvector) alike: neither backend needs fuzzy matching itself.
"""

from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass, field

from hmsdesk_graph.db.connection import read_connection

_WORD = re.compile(r"[a-z0-9]+")
# Words that carry no meaning in a search box.
_STOP = {"a", "an", "and", "the", "for", "in", "near", "me", "of", "doctor", "dr", "with", "best"}
VOCABULARY_TTL_S = 300.0


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass
class Vocabulary:
    """Words and phrases patients type, mapped to the specialties they mean."""

    words: set[str] = field(default_factory=set)
    phrases: dict[str, set[int]] = field(default_factory=dict)  # "chest pain" -> {cardiology}
    loaded_at: float = 0.0

    def correct(self, word: str) -> str:
        """The vocabulary word closest to `word`, or `word` itself when nothing is close."""
        if word in self.words or len(word) < 4 or word.isdigit():
            return word
        close = difflib.get_close_matches(word, self.words, n=1, cutoff=0.8)
        return close[0] if close else word

    def specialties_in(self, terms: list[str]) -> set[int]:
        """Specialties whose name, synonym or symptom appears in the (corrected) terms."""
        text = " " + " ".join(terms) + " "
        found: set[int] = set()
        for phrase, ids in self.phrases.items():
            if f" {phrase} " in text:
                found |= ids
        return found


@dataclass(frozen=True)
class TextQuery:
    """A search-box query after understanding: the terms to match and the specialties meant."""

    raw: str
    terms: tuple[str, ...]
    specialty_ids: frozenset[int]

    @property
    def empty(self) -> bool:
        return not self.terms


_cache: Vocabulary | None = None


async def vocabulary() -> Vocabulary:
    """The process-wide vocabulary, rebuilt from the database every few minutes."""
    global _cache
    if _cache is not None and time.monotonic() - _cache.loaded_at < VOCABULARY_TTL_S:
        return _cache
    vocab = Vocabulary(loaded_at=time.monotonic())
    conn = read_connection()
    import orjson

    for row in await conn.execute_query_dict("SELECT id, name, synonyms, symptoms FROM specialty"):
        entries = [row["name"]]
        for column in ("synonyms", "symptoms"):
            value = row[column]
            entries += orjson.loads(value) if isinstance(value, str) else (value or [])
        for entry in entries:
            phrase = " ".join(words(str(entry)))
            if phrase:
                vocab.phrases.setdefault(phrase, set()).add(int(row["id"]))
                vocab.words.update(phrase.split())
    for row in await conn.execute_query_dict("SELECT name, synonyms FROM lab_test"):
        vocab.words.update(words(str(row["name"])))
    _cache = vocab
    return vocab


def forget_vocabulary() -> None:
    """Drop the cached vocabulary (tests, and after the reference data changes)."""
    global _cache
    _cache = None


async def understand(query: str | None) -> TextQuery:
    """Normalise, correct and interpret a search-box query."""
    raw = (query or "").strip()
    vocab = await vocabulary()
    terms = [vocab.correct(w) for w in words(raw) if w not in _STOP]
    return TextQuery(
        raw=raw, terms=tuple(terms), specialty_ids=frozenset(vocab.specialties_in(terms))
    )
