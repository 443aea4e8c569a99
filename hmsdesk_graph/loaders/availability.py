"""Live slots from the practice system: one HTTP call per request for every role on the page.

When the practice system fails (or its breaker is open), a role whose last good slots are kept
in the shared store (shared/last_good.py, within HMSDESK_STALE_MAX_AGE_S) gets those instead,
and the request's `stale` map says so: fields then show them marked CACHED with their age and
a STALE_DATA warning. A role with nothing kept fails with the practice system's typed error,
so its field is null with its own UPSTREAM_* error and the rest of the page stands.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta, timezone

from hmsdesk_graph.errors import UpstreamTimeout, UpstreamUnavailable
from hmsdesk_graph.ops import metrics
from hmsdesk_graph.shared.cache_run import refuse
from hmsdesk_graph.shared.last_good import KeptSlots
from hmsdesk_graph.upstream import Upstreams

IST = timezone(timedelta(hours=5, minutes=30))
WINDOW_DAYS = 7  # fetched once; availability(days) and nextAvailableSlot read from it


def today_ist() -> date:
    return datetime.now(IST).date()


def slots_batch(
    upstreams: Upstreams | None, deadline: float, stale: dict[int, KeptSlots]
) -> Callable[[Sequence[int]], Awaitable[list[tuple[datetime, ...] | BaseException]]]:
    """A batch function over role ids bound to this request's clients and budget; roles
    answered from the last good slots are recorded in `stale` (the request's own map)."""

    async def load(role_ids: Sequence[int]) -> list[tuple[datetime, ...] | BaseException]:
        refuse("partner")  # live slots change without any write this service sees
        if upstreams is None:
            raise UpstreamUnavailable("The practice management service is not configured.")
        try:
            found = await upstreams.practice.slots(
                list(role_ids), today_ist(), WINDOW_DAYS, deadline=deadline
            )
        except (UpstreamUnavailable, UpstreamTimeout) as failure:
            last_good = upstreams.practice.last_good
            kept = await last_good.slots(role_ids) if last_good is not None else {}
            # Outage fallbacks served vs not (counts only: no ids, no values).
            metrics.cache_lookups("last_good_slots", len(kept), len(role_ids) - len(kept))
            stale.update(kept)
            # A DataLoader sets an exception returned in place of a value on that key alone.
            return [kept[r].slots if r in kept else failure for r in role_ids]
        return [tuple(found.get(role_id, ())) for role_id in role_ids]

    return load
