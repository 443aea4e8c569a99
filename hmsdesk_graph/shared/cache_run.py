"""What one execution did that decides whether the response cache may keep its answer.

Its own small module (no imports from the app) so resolvers, loaders and partner clients can
report without import cycles. The cache sets a run around execution; outside one (CLI,
mutations, uncached documents) reporting does nothing.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

# (campaign id, practitioner row) pairs in slot order, as search.sponsored returns them.
Picks = list[tuple[int, dict[str, Any]]]


class Circle(Protocol):
    """What a placement keeps of a search's `near` (search.query.Near is one): described,
    not imported, as search and the resolvers import this module."""

    @property
    def lat(self) -> float: ...
    @property
    def lng(self) -> float: ...
    @property
    def radius_km(self) -> float: ...


NearT = TypeVar("NearT", bound=Circle)


@dataclass(frozen=True)
class Placement:
    """The arguments of one search's sponsored placement: enough to run it again on a hit."""

    city_id: int
    specialty_ids: tuple[int, ...]
    locality_ids: tuple[int, ...]
    near: tuple[float, float, float] | None  # lat, lng, radius km


@dataclass
class CacheRun:
    """Why the answer may not be kept, and the sponsored placements it ran (a hit runs those
    again rather than showing stale sponsored slots)."""

    refusals: set[str] = field(default_factory=set)
    placements: list[Placement] = field(default_factory=list)
    # Picks a cache lookup already made for this very search (it found the organic answer
    # but not every sponsored edge): used instead of choosing again, so rotation turns once.
    pinned: Picks | None = None
    # The run renders only those pinned sponsored edges, to splice into the kept answer: the
    # search reads no organic rows, counts nothing and records no events (the hit does).
    sponsored_only: bool = False

    @property
    def refused(self) -> str | None:
        """One reason the answer may not be kept, if any (the first in name order)."""
        return min(self.refusals) if self.refusals else None


CURRENT: contextvars.ContextVar[CacheRun | None] = contextvars.ContextVar(
    "hmsdesk_cache_run", default=None
)


def refuse(reason: str) -> None:
    """The answer being computed must not be cached (``partner``, ``sponsored``, ...)."""
    run = CURRENT.get()
    if run is not None:
        run.refusals.add(reason)


def sponsored_only() -> bool:
    """Whether this execution only renders sponsored edges for a kept answer (see CacheRun)."""
    run = CURRENT.get()
    return run is not None and run.sponsored_only


async def placed(
    place: Callable[
        [int, frozenset[int], tuple[int, ...], NearT | None, datetime], Awaitable[Picks]
    ],
    city_id: int,
    specialty_ids: frozenset[int],
    locality_ids: tuple[int, ...],
    near: NearT | None,
    now: datetime,
) -> Picks:
    """Run a search's sponsored placement, noting its arguments for the response cache.

    Within a cached run the cache may have chosen already (see CacheRun.pinned); the
    arguments let a later hit choose again for itself, so sponsored slots keep pacing and
    rotating while the organic part of the answer comes from the cache.
    """
    run = CURRENT.get()
    if run is not None:
        run.placements.append(
            Placement(
                city_id=city_id,
                specialty_ids=tuple(sorted(specialty_ids)),
                locality_ids=tuple(locality_ids),
                near=None if near is None else (near.lat, near.lng, near.radius_km),
            )
        )
        if run.pinned is not None:
            picks, run.pinned = run.pinned, None
            if picks:
                run.refusals.add("sponsored")  # as search.sponsored reports when rows exist
            return picks
    return await place(city_id, specialty_ids, locality_ids, near, now)
