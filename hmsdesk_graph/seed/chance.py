"""Deterministic randomness: named random streams, weighted picks and rounding helpers."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


def stream(seed: int, name: str) -> random.Random:
    """An independent random stream for one part of the data.

    One stream per table keeps a change in one generator from reshuffling every other table.
    String seeds are hashed with SHA-512 by `random`, so this is stable across processes.
    """
    return random.Random(f"hmsdesk-seed/{seed}/{name}")


class Picker(Generic[T]):
    """Weighted choice with precomputed cumulative weights (O(log n) per pick)."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if not items or len(items) != len(weights):
            raise ValueError("a picker needs as many weights as items, and at least one")
        self._items = list(items)
        self._cum = list(itertools.accumulate(weights))
        self._total = self._cum[-1]

    def __len__(self) -> int:
        return len(self._items)

    def pick(self, rng: random.Random) -> T:
        index = bisect.bisect_right(self._cum, rng.random() * self._total)
        return self._items[min(index, len(self._items) - 1)]


def chance(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


def round_to(value: float, step: int) -> int:
    """Round to the nearest multiple of `step` (at least one step)."""
    return max(step, round(value / step) * step)


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` into integer shares proportional to `weights` (largest remainder)."""
    weight_sum = float(sum(weights))
    exact = [total * w / weight_sum for w in weights]
    shares = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def sample_count(rng: random.Random, mean: float) -> int:
    """A non-negative integer with the given mean (floor plus a Bernoulli remainder)."""
    whole = int(mean)
    return whole + (1 if rng.random() < mean - whole else 0)
