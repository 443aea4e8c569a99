"""Practice management ("Ray"): open slots for many PractitionerRoles in one batch call."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from hmsdesk_graph.config import Settings
from hmsdesk_graph.upstream.client import ServiceClient
from hmsdesk_graph.upstream.errors import PRACTICE, UnexpectedShape
from hmsdesk_graph.upstream.transport import Transport

SLOTS_PATH = "/practice/slots:batch"
MAX_DAYS = 31
# Per process; enough for every role on a busy listing page many times over.
CACHE_MAX_ENTRIES = 20_000

CacheKey = tuple[int, date, int]


class SlotCache:
    """A short-lived, bounded, in-process cache of slots per (role, start, days).

    Availability tolerates ``availability_cache_ttl_s`` of staleness (booking re-checks the
    slot), so a per-process cache is enough; a TTL of 0 turns it off.
    """

    def __init__(
        self,
        ttl_s: float,
        max_entries: int = CACHE_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[CacheKey, tuple[float, tuple[datetime, ...]]] = OrderedDict()

    def get_many(
        self, role_ids: Iterable[int], start: date, days: int
    ) -> dict[int, tuple[datetime, ...]]:
        if self.ttl_s <= 0:
            return {}
        now = self._clock()
        found: dict[int, tuple[datetime, ...]] = {}
        for role_id in role_ids:
            key = (role_id, start, days)
            entry = self._entries.get(key)
            if entry is None:
                continue
            if entry[0] <= now:
                del self._entries[key]
                continue
            found[role_id] = entry[1]
        return found

    def put_many(self, slots: dict[int, tuple[datetime, ...]], start: date, days: int) -> None:
        if self.ttl_s <= 0:
            return
        expires = self._clock() + self.ttl_s
        for role_id, values in slots.items():
            key = (role_id, start, days)
            self._entries[key] = (expires, values)
            self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


class PracticeClient(ServiceClient):
    """Open slots per PractitionerRole, one HTTP call for all roles of a request."""

    service = PRACTICE

    def __init__(self, transport: Transport, settings: Settings) -> None:
        super().__init__(transport, settings)
        self.cache = SlotCache(settings.availability_cache_ttl_s)

    @classmethod
    def base_url_from(cls, settings: Settings) -> str:
        return settings.practice_url

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
    if not isinstance(value, str):
        raise UnexpectedShape(PRACTICE, "a slot is not a string")
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise UnexpectedShape(PRACTICE, "a slot is not an ISO 8601 date-time") from None
    if instant.tzinfo is None:
        raise UnexpectedShape(PRACTICE, "a slot has no UTC offset")
    return instant
