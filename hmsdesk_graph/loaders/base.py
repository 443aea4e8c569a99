"""Shared shapes for batch functions: results in key order, grouping of parameterised keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
G = TypeVar("G", bound=Hashable)
V = TypeVar("V")


def in_key_order(keys: Sequence[K], found: Mapping[K, V], missing: V) -> list[V]:
    """The loader contract: one result per key, in key order, `missing` where absent."""
    return [found.get(key, missing) for key in keys]


def grouped_by(rows: Iterable[V], key: Callable[[V], K]) -> dict[K, list[V]]:
    """Rows bucketed by `key`, each bucket keeping the rows' order."""
    buckets: dict[K, list[V]] = defaultdict(list)
    for row in rows:
        buckets[key(row)].append(row)
    return buckets


def group_keys(keys: Sequence[K], shape: Callable[[K], G]) -> dict[G, list[K]]:
    """Keys sharing a statement shape (same filters and page size) batch into one statement."""
    groups: dict[G, list[K]] = defaultdict(list)
    for key in keys:
        groups[shape(key)].append(key)
    return groups
