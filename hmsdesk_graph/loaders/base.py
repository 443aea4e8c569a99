"""Shared shapes for batch functions: results in key order, grouping of parameterised keys,
and the per-request DataLoader attribute."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, Self, TypeVar, overload

from strawberry.dataloader import DataLoader

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


class LoaderOf(Generic[K, V]):
    """A class attribute that is, on each instance, one `DataLoader[K, V]` over `load_fn`,
    built on first use and kept in the instance's ``__dict__`` (what `functools.cached_property`
    does, for the loaders that are nothing but their batch function).

    Written ``by_id = LoaderOf[int, Row | None](load_rows)`` so the key and value types stay
    on the page; a value set in the instance's ``__dict__`` before first use wins.
    """

    def __init__(self, load_fn: Callable[[Sequence[K]], Awaitable[Sequence[V]]]) -> None:
        self._load_fn = load_fn
        self._name = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> DataLoader[K, V]: ...

    def __get__(self, instance: object | None, owner: type[Any] | None = None) -> Any:
        if instance is None:
            return self
        loader = instance.__dict__[self._name] = DataLoader(load_fn=self._load_fn)
        return loader
