"""Practice management ("Ray"): open slots for many PractitionerRoles in one batch call."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from cachetools import TTLCache

from hmsdesk_graph.config import Settings
from hmsdesk_graph.ops import metrics
from hmsdesk_graph.shared.last_good import LastGood
from hmsdesk_graph.upstream.client import ServiceClient
from hmsdesk_graph.upstream.errors import PRACTICE, UnexpectedShape
from hmsdesk_graph.upstream.shapes import aware_datetime
from hmsdesk_graph.upstream.transport import Transport

SLOTS_PATH = "/practice/slots:batch"
MAX_DAYS = 31
# Per process; enough for every role on a busy listing page many times over.
CACHE_MAX_ENTRIES = 20_000

CacheKey = tuple[int, date, int]


class SlotCache:
    """A short-lived, bounded, in-process cache of slots per (role, start, days).

    Availability tolerates ``availability_cache_ttl_s`` of staleness (booking re-checks the
    slot), so a per-process cache is enough; a TTL of 0 turns it off. The last good slots for
    outages are kept apart (``PracticeClient.last_good``), so this expiry never erases them.
    Expiry and the size bound (least recently used goes first) are cachetools' ``TTLCache``.
    """

    def __init__(
        self,
        ttl_s: float,
        max_entries: int = CACHE_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: TTLCache[CacheKey, tuple[datetime, ...]] | None = (
            TTLCache(maxsize=max_entries, ttl=ttl_s, timer=clock) if ttl_s > 0 else None
        )

    def get_many(
        self, role_ids: Iterable[int], start: date, days: int
    ) -> dict[int, tuple[datetime, ...]]:
        """The unexpired slots held for these roles (roles not held are left out)."""
        if self._entries is None:
            return {}
        found: dict[int, tuple[datetime, ...]] = {}
        asked = 0
        for role_id in role_ids:
            asked += 1
            slots = self._entries.get((role_id, start, days))
            if slots is not None:
                found[role_id] = slots
        metrics.cache_lookups("availability_slots", len(found), asked - len(found))
        return found

    def put_many(self, slots: dict[int, tuple[datetime, ...]], start: date, days: int) -> None:
        """Hold these roles' slots for ttl_s seconds."""
        if self._entries is None:
            return
        for role_id, values in slots.items():
            self._entries[(role_id, start, days)] = values

    def clear(self) -> None:
        """Forget everything held."""
        if self._entries is not None:
            self._entries.clear()


class PracticeClient(ServiceClient):
    """Open slots per PractitionerRole, one HTTP call for all roles of a request."""

    service = PRACTICE

    def __init__(self, transport: Transport, settings: Settings) -> None:
        super().__init__(transport, settings)
        self.cache = SlotCache(settings.availability_cache_ttl_s)
        # Set by the app lifespan (it owns the shared store): every live answer is kept there.
        self.last_good: LastGood | None = None

    async def slots(
        self,
        role_ids: Sequence[int],
        start: date,
        days: int,
        *,
        deadline: float | None = None,
    ) -> dict[int, list[datetime]]:
        """Open slots from ``start`` for ``days`` days, keyed in ``role_ids`` order.

        Roles the practice system does not know get ``[]``. Cached roles are not asked
        again; all others go in ONE batch call (a read, so it is retried).
        """
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"days must be between 1 and {MAX_DAYS}")
        wanted = list(dict.fromkeys(role_ids))
        found = self.cache.get_many(wanted, start, days)
        missing = [role_id for role_id in wanted if role_id not in found]
        if missing:
            payload = {"roleIds": missing, "from": start.isoformat(), "days": days}
            fetched = await self.post_json(
                SLOTS_PATH,
                payload,
                lambda body: parse_slots(body, missing),
                idempotent=True,
                deadline=deadline,
            )
            self.cache.put_many(fetched, start, days)
            if self.last_good is not None:
                await self.last_good.keep_slots(fetched, start, days)
            found.update(fetched)
        return {role_id: list(found[role_id]) for role_id in wanted}


def parse_slots(body: Any, role_ids: Sequence[int]) -> dict[int, tuple[datetime, ...]]:
    """Check ``{"slots": {"<roleId>": [iso, ...]}}`` and return sorted slots per asked role."""
    slots = body.get("slots") if isinstance(body, dict) else None
    if not isinstance(slots, dict):
        raise UnexpectedShape(PRACTICE, "slots response has no 'slots' object")
    result: dict[int, tuple[datetime, ...]] = {}
    for role_id in role_ids:
        raw = slots.get(str(role_id), [])
        if not isinstance(raw, list):
            raise UnexpectedShape(PRACTICE, "slots for a role are not a list")
        result[role_id] = tuple(sorted(_parse_instant(value) for value in raw))
    return result


def _parse_instant(value: Any) -> datetime:
    return aware_datetime(PRACTICE, value, "a slot", "is not a string")
