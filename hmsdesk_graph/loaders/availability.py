"""Live slots from the practice system: one HTTP call per request for every role on the page.

A failing practice system fails every load of the batch with the same typed error, so each
field asking for slots is null with its own UPSTREAM_* error and the rest of the page stands.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta, timezone

from hmsdesk_graph.errors import UpstreamUnavailable
from hmsdesk_graph.upstream import Upstreams

IST = timezone(timedelta(hours=5, minutes=30))
WINDOW_DAYS = 7  # fetched once; availability(days) and nextAvailableSlot read from it


def today_ist() -> date:
    return datetime.now(IST).date()


def slots_batch(
    upstreams: Upstreams | None, deadline: float
) -> Callable[[Sequence[int]], Awaitable[list[tuple[datetime, ...]]]]:
    """A batch function over role ids bound to this request's clients and budget."""

    async def load(role_ids: Sequence[int]) -> list[tuple[datetime, ...]]:
        if upstreams is None:
            raise UpstreamUnavailable("The practice management service is not configured.")
        found = await upstreams.practice.slots(
            list(role_ids), today_ist(), WINDOW_DAYS, deadline=deadline
        )
        return [tuple(found.get(role_id, ())) for role_id in role_ids]

    return load
