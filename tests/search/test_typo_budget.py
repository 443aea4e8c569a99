"""Typo correction has a fixed budget per word (issue 12), whatever the vocabulary's size."""

from __future__ import annotations

import functools
import random
import string

from hmsdesk_graph.search.text import (
    CORRECTIONS_KEPT,
    TYPO_MAX_CANDIDATES,
    TYPO_MAX_WORD_LENGTH,
    Vocabulary,
)


@functools.cache
def _big_vocabulary() -> Vocabulary:
    rng = random.Random(12)
    words = {
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 20))) for _ in range(100_000)
    }
    return Vocabulary(words=words | {"cardiologist", "dermatologist", "thyroid"})


def test_a_word_is_compared_with_at_most_the_budget() -> None:
    vocab = _big_vocabulary()
    for word in ("cardiolgist", "aaaaaaaaaaaa", "zzzz", "x" * TYPO_MAX_WORD_LENGTH):
        candidates = vocab.candidates(word)
        assert 0 < len(candidates) <= TYPO_MAX_CANDIDATES
        # Only lengths that can reach difflib's 0.8 cutoff.
        assert all(2 * len(word) / 3 <= len(c) <= 3 * len(word) / 2 for c in candidates)


def test_typos_are_still_corrected_in_a_large_vocabulary() -> None:
    vocab = _big_vocabulary()
    assert vocab.correct("cardiolgist") == "cardiologist"
    assert vocab.correct("dermatologst") == "dermatologist"
    assert vocab.correct("thyriod") == "thyroid"
    assert vocab.correct("cardiologist") == "cardiologist"


def test_an_overlong_word_is_left_alone() -> None:
    vocab = _big_vocabulary()
    word = "cardiologist" * 3
    assert vocab.candidates(word) == []
    assert vocab.correct(word) == word


def test_the_index_follows_the_vocabulary() -> None:
    vocab = Vocabulary(words={"cardiology"})
    assert vocab.correct("gastrolgy") == "gastrolgy"
    vocab.words.add("gastrology")
    assert vocab.correct("gastrolgy") == "gastrology"


def test_corrections_are_kept_within_a_bound() -> None:
    vocab = Vocabulary(words={"cardiologist", "dermatologist"})
    assert vocab.correct("cardiolgist") == vocab.correct("cardiolgist") == "cardiologist"
    for n in range(CORRECTIONS_KEPT + 10):
        vocab.correct(f"qq{n:08d}")
        assert len(vocab._corrected) <= CORRECTIONS_KEPT
    assert vocab.correct("dermatologst") == "dermatologist"
