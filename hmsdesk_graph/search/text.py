"""Query understanding: normalise, correct typos against the vocabulary, spot specialties.

Both databases receive the same corrected terms, so "cardiolgist" finds cardiologists on
SQLite (FTS5) and PostgreSQL (tsvector) alike: neither backend needs fuzzy matching itself.
Specialty names, synonyms and symptoms are matched on the whole corrected phrase, stop words
included ("skin doctor", "dil ka doctor"); only then are stop words dropped from the terms.
"""

from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass, field

from hmsdesk_graph.db.connection import read_connection

_WORD = re.compile(r"[a-z0-9]+")
# Words that carry no meaning in a search box on their own (English, and the Hindi / Marathi
# connectives of transliterated queries: "dil ka doctor", "dantancha doctor kothrud jawal").
_STOP = {
    "a", "an", "and", "the", "for", "in", "near", "me", "of", "doctor", "dr", "with", "best",
    "ka", "ki", "ke", "wala", "wale", "wali", "chya", "cha", "chi", "che", "sathi", "jawal",
    "paas", "mein",
}  # fmt: skip
VOCABULARY_TTL_S = 300.0
# Typo correction's fixed budget per word (issue 12): compared words, and the longest word
# worth correcting (no specialty, symptom or test name word is longer).
TYPO_CUTOFF = 0.8
TYPO_MAX_CANDIDATES = 1000
TYPO_MAX_WORD_LENGTH = 30
# Corrections kept per vocabulary (a word's correction depends on the vocabulary alone); the
# memo starts over when full, so any input costs at most one comparison budget per word.
CORRECTIONS_KEPT = 10_000


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass
class Vocabulary:
    """Words and phrases patients type, mapped to the specialties they mean."""

    words: set[str] = field(default_factory=set)
    phrases: dict[str, set[int]] = field(default_factory=dict)  # "chest pain" -> {cardiology}
    longest: int = 1  # words in the longest phrase
    loaded_at: float = 0.0

    _by_length: dict[int, list[str]] = field(default_factory=dict, repr=False, compare=False)
    _indexed: int = field(default=-1, repr=False, compare=False)
    _corrected: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _corrected_for: int = field(default=-1, repr=False, compare=False)

    def add_phrase(self, phrase: str, specialty_id: int) -> None:
        """Learn that `phrase` (normalised words) means a specialty."""
        self.phrases.setdefault(phrase, set()).add(specialty_id)
        split = phrase.split()
        self.words.update(split)
        self.longest = max(self.longest, len(split))

    def correct(self, word: str) -> str:
        """The vocabulary word closest to `word`, or `word` itself when nothing is close."""
        if word in self.words or len(word) < 4 or word.isdigit():
            return word
        if self._corrected_for != len(self.words) or len(self._corrected) >= CORRECTIONS_KEPT:
            self._corrected, self._corrected_for = {}, len(self.words)
        found = self._corrected.get(word)
        if found is None:
            close = difflib.get_close_matches(word, self.candidates(word), n=1, cutoff=TYPO_CUTOFF)
            found = self._corrected[word] = close[0] if close else word
        return found

    def candidates(self, word: str) -> list[str]:
        """The words `word` may be a typo of: a fixed budget of comparisons, whatever the input.

        At the cutoff, difflib's ratio 2M/(a+b) bounds the lengths (b within [2a/3, 3a/2]).
        Words with the same first letter come first (it is rarely the mistyped one), then the
        nearest lengths; at most TYPO_MAX_CANDIDATES words are compared. Words longer than
        TYPO_MAX_WORD_LENGTH are not corrected at all.
        """
        if len(word) > TYPO_MAX_WORD_LENGTH:
            return []
        if self._indexed != len(self.words):
            self._by_length = {}
            for known in sorted(self.words):
                self._by_length.setdefault(len(known), []).append(known)
            self._indexed = len(self.words)
        low, high = -(-2 * len(word) // 3), 3 * len(word) // 2
        lengths = sorted(range(low, high + 1), key=lambda n: abs(n - len(word)))
        found: list[str] = []
        for same_first in (True, False):
            for length in lengths:
                for known in self._by_length.get(length, ()):
                    if (known[0] == word[0]) is same_first:
                        found.append(known)
                        if len(found) == TYPO_MAX_CANDIDATES:
                            return found
        return found

    def specialties_in(self, words: list[str]) -> set[int]:
        """Specialties meant by the phrases in `words` (the whole corrected query).

        Longest phrase first, left to right, each word used once: "joint pain specialist"
        means a rheumatologist, not also everyone who treats "joint pain".
        """
        found: set[int] = set()
        i = 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                ids = self.phrases.get(" ".join(words[i : i + n]))
                if ids:
                    found |= ids
                    i += n
                    break
            else:
                i += 1
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
                vocab.add_phrase(phrase, int(row["id"]))
    for row in await conn.execute_query_dict("SELECT name, synonyms FROM lab_test"):
        vocab.words.update(words(str(row["name"])))
    # Locality names are typed (and mistyped) as often as specialties: "dentist kothrod".
    for row in await conn.execute_query_dict("SELECT DISTINCT name FROM locality"):
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
    corrected = [w if w in _STOP else vocab.correct(w) for w in words(raw)]
    # Phrases first, on every word: "doctor" is a stop word but part of "skin doctor".
    meant = vocab.specialties_in(corrected)
    terms = [w for w in corrected if w not in _STOP]
    return TextQuery(raw=raw, terms=tuple(terms), specialty_ids=frozenset(meant))
