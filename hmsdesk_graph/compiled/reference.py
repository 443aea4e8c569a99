"""City and specialty rows by slug, and city, locality and specialty rows by id, kept by the
worker between compiled requests.

The catalogue (cities, localities, specialties) changes only through the seed and CLI jobs,
which bump the `all` tag, and tag-bumping writes; a search resolves a city slug and specialty
slugs on every request, and every profile and card shows its city and locality. Rows found are
kept here and dropped as soon as the `city` or `all` tag version has moved; the versions are
read at most every `recheck_s` seconds (one statement per worker per interval, not per
request). A key not found is never kept: it is asked again, so a row added without a bump is
seen at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from hmsdesk_graph.db import models
from hmsdesk_graph.loaders import providers
from hmsdesk_graph.loaders.lean import lean_by_ids
from hmsdesk_graph.shared.cache_policy import Tag
from hmsdesk_graph.shared.tag_versions import read_versions

K = TypeVar("K", str, int)
R = TypeVar("R")

RECHECK_S = 5.0
_TAGS = (Tag.ALL, Tag.CITY)


# The catalogue models kept by id: small tables every profile and card reads a row of.
BY_ID = (models.City, models.Locality, models.Specialty)
# Of those, the ones read whole at the first miss: a few dozen rows, and a page of cards
# names many of them (one statement per worker, not one per new combination).
WHOLE = (models.Specialty,)


class ReferenceSlugs:
    """The worker's city and specialty rows by slug, and its lean city and locality rows by id
    (read-only: never saved or changed)."""

    def __init__(self, recheck_s: float = RECHECK_S) -> None:
        self.recheck_s = recheck_s
        self._cities: dict[str, models.City] = {}
        self._specialties: dict[str, models.Specialty] = {}
        self._by_id: dict[type, dict[int, Any]] = {}
        self._versions: dict[str, int] | None = None
        self._checked = float("-inf")
        self._checking = asyncio.Lock()
        # Bumped whenever the rows are dropped: a load that started before a drop is not kept.
        self._generation = 0

    async def _fresh(self) -> None:
        if time.monotonic() - self._checked < self.recheck_s:
            return
        # One caller reads the versions; the others wait for it (a row loaded meanwhile would be
        # dropped with the generation it started in). Inline, not a task of its own: nothing
        # outlives the request that reads, even one cancelled at its deadline.
        async with self._checking:
            now = time.monotonic()
            if now - self._checked < self.recheck_s:
                return  # checked while this caller waited
            versions = await read_versions(_TAGS)
            self._checked = now
            if versions != self._versions:
                self._cities, self._specialties, self._by_id = {}, {}, {}
                self._generation += 1
                self._versions = versions

    async def _lookup(
        self,
        store: Callable[[], dict[K, R]],
        keys: Sequence[K],
        load: Callable[[Sequence[K]], Awaitable[dict[K, R]]],
    ) -> list[R | None]:
        await self._fresh()
        rows = store()
        missing = [k for k in keys if k not in rows]
        if missing:
            generation = self._generation
            loaded = await load(missing)  # the rows found (a whole table: more than asked)
            if generation == self._generation:
                store().update(loaded)
            return [rows[k] if k in rows else loaded.get(k) for k in keys]
        return [rows[k] for k in keys]

    async def cities(self, keys: Sequence[str]) -> list[models.City | None]:
        """Batch function of `city_by_slug`."""
        return await self._lookup(lambda: self._cities, keys, _found(providers.load_cities_by_slug))

    async def specialties(self, keys: Sequence[str]) -> list[models.Specialty | None]:
        """Batch function of `specialty_by_slug`."""
        return await self._lookup(
            lambda: self._specialties, keys, _found(providers.load_specialties_by_slug)
        )

    async def by_ids(self, model: type, ids: Sequence[int]) -> dict[int, Any]:
        """Lean rows of a catalogue model in `BY_ID` by id (those that exist), read once."""

        async def load(missing: Sequence[int]) -> dict[int, Any]:
            return await lean_by_ids(model, None if model in WHOLE else missing)

        rows = await self._lookup(lambda: self._by_id.setdefault(model, {}), ids, load)
        return {i: row for i, row in zip(ids, rows, strict=True) if row is not None}


def _found(
    batch: Callable[[Sequence[K]], Awaitable[list[R | None]]],
) -> Callable[[Sequence[K]], Awaitable[dict[K, R]]]:
    """A batch function in key order as a load of the rows found."""

    async def load(keys: Sequence[K]) -> dict[K, R]:
        return {k: row for k, row in zip(keys, await batch(keys), strict=True) if row is not None}

    return load
