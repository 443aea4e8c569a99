"""Nested fields that show the object a row links to, or the rows it lists, through the
request's loader."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
T = TypeVar("T")


async def linked(
    loader: DataLoader[K, R | None], key: K | None, show: Callable[[R], T]
) -> T | None:
    """The linked row shown as its GraphQL type: None when the link is empty or the row is
    gone (or not visible to the loader), batched with the request's other loads."""
    if key is None:
        return None
    row = await loader.load(key)
    return None if row is None else show(row)


async def listed(loader: DataLoader[K, list[R]], key: K, show: Callable[[R], T]) -> list[T]:
    """The rows listed under `key`, in the loader's order, each shown as its GraphQL type
    (batched with the request's other loads)."""
    return [show(row) for row in await loader.load(key)]
