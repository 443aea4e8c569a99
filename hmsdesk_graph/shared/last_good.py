"""Last good partner answers, kept in the shared store to be served (marked stale) in outages.

Apart from the fresh-value TTL cache (upstream/practice.py SlotCache, seconds long, per
process): these keys live up to HMSDESK_STALE_MAX_AGE_S in Redis (every worker reads what any
worker saw) or in this process without Redis. Each value carries the wall-clock instant the
partner gave it, so its age is the same whichever worker reads it, and a value past the
maximum age is never served even if the store still holds it.

The store is an optimisation of outages, never a new failure: Redis errors are logged (without
keys or values) and treated as "nothing kept", with the SharedState back-off.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import orjson

from hmsdesk_graph.shared.state import SharedState

logger = logging.getLogger("hmsdesk_graph.shared")
T = TypeVar("T")

SLOTS = "last-good-slots"
NUMBER = "last-good-number"


@dataclass(frozen=True)
class KeptSlots:
    """The last slots the practice system gave for one role, and when."""

    start: date
    days: int
    slots: tuple[datetime, ...]
    as_of: datetime

    def covers(self, day: date) -> bool:
        """True when the fetch that gave these slots asked about `day`."""
        return 0 <= (day - self.start).days < self.days


@dataclass(frozen=True)
class KeptNumber:
    """A routed number one caller was given for one role, and when."""

    number: str
    extension: str | None
    expires_at: datetime
    as_of: datetime


def age_seconds(as_of: datetime, now: datetime | None = None) -> int:
    """Whole seconds since `as_of` (never negative, whatever the clocks of two hosts say)."""
    now = now or datetime.now(UTC)
    return max(0, int((now - as_of).total_seconds()))


class LastGood:
    """Last good slots per role and routed numbers per (role, caller), in the shared store."""

    def __init__(self, shared: SharedState, max_age_s: int) -> None:
        self.shared = shared
        self.max_age_s = max_age_s

    @property
    def enabled(self) -> bool:
        """False with HMSDESK_STALE_MAX_AGE_S=0: nothing is kept, nothing served stale."""
        return self.max_age_s > 0

    def _fresh_enough(self, as_of: datetime, now: datetime) -> bool:
        return now - as_of <= timedelta(seconds=self.max_age_s)

    # -- slots ----------------------------------------------------------------------------

    async def keep_slots(
        self, slots: Mapping[int, Sequence[datetime]], start: date, days: int
    ) -> None:
        """Remember what the practice system just answered for these roles."""
        if not self.enabled or not slots:
            return
        at = datetime.now(UTC).isoformat()
        items = {
            self.shared.key(SLOTS, str(role_id)): orjson.dumps(
                {
                    "start": start.isoformat(),
                    "days": days,
                    "slots": [s.isoformat() for s in values],
                    "at": at,
                }
            ).decode()
            for role_id, values in slots.items()
        }
        await self._set_many(items, self.max_age_s)

    async def slots(self, role_ids: Iterable[int]) -> dict[int, KeptSlots]:
        """The kept slots of these roles that are still within the maximum age."""
        if not self.enabled:
            return {}
        wanted = list(dict.fromkeys(role_ids))
        raw = await self._get_many([self.shared.key(SLOTS, str(r)) for r in wanted])
        now = datetime.now(UTC)
        found: dict[int, KeptSlots] = {}
        for role_id, value in zip(wanted, raw, strict=True):
            kept = _decoded(value, _slots_from)
            if kept is not None and self._fresh_enough(kept.as_of, now):
                found[role_id] = kept
        return found

    # -- routed numbers -------------------------------------------------------------------

    def _number_key(self, role_id: int, caller_ref: str) -> str:
        # One key per (role, caller): a viewer can only ever read back the number they were
        # given. caller_ref is already an HMAC of the viewer's key; hashing it again keeps even
        # that reference out of the key space listing.
        digest = hashlib.sha256(f"{role_id}|{caller_ref}".encode()).hexdigest()[:40]
        return self.shared.key(NUMBER, digest)

    async def keep_number(
        self,
        role_id: int,
        caller_ref: str,
        number: str,
        extension: str | None,
        expires_at: datetime,
    ) -> None:
        """Remember the routed number this caller got, for as long as it is valid (and fresh)."""
        if not self.enabled:
            return
        now = datetime.now(UTC)
        ttl = min(self.max_age_s, int((expires_at - now).total_seconds()))
        if ttl <= 0:
            return
        value = orjson.dumps(
            {
                "number": number,
                "extension": extension,
                "expiresAt": expires_at.isoformat(),
                "at": now.isoformat(),
            }
        ).decode()
        await self._set_many({self._number_key(role_id, caller_ref): value}, ttl)

    async def number(self, role_id: int, caller_ref: str) -> KeptNumber | None:
        """This caller's routed number for this role, if still valid and within the max age."""
        if not self.enabled:
            return None
        (value,) = await self._get_many([self._number_key(role_id, caller_ref)])
        kept = _decoded(value, _number_from)
        now = datetime.now(UTC)
        if kept is None or kept.expires_at <= now or not self._fresh_enough(kept.as_of, now):
            return None
        return kept

    # -- the store ------------------------------------------------------------------------

    async def _set_many(self, items: Mapping[str, str], ttl_s: int) -> None:
        shared = self.shared
        if not shared.usable():
            return
        try:
            if shared.redis is None:
                for key, value in items.items():
                    await shared.set(key, value, ttl_s)
                return
            async with shared.redis.pipeline(transaction=False) as pipe:
                for key, value in items.items():
                    pipe.set(key, value.encode(), ex=ttl_s)
                await pipe.execute()
        except Exception:
            logger.warning("keeping last good partner values failed", exc_info=False)
            shared.failed()

    async def _get_many(self, keys: Sequence[str]) -> list[str | None]:
        shared = self.shared
        if not keys:
            return []
        if not shared.usable():
            return [None] * len(keys)
        try:
            if shared.redis is None:
                return [await shared.get(key) for key in keys]
            raw = await shared.redis.mget(keys)
        except Exception:
            logger.warning("reading last good partner values failed", exc_info=False)
            shared.failed()
            return [None] * len(keys)
        return [v.decode() if isinstance(v, bytes) else v for v in raw]


def _decoded(value: str | None, build: Callable[[dict[str, Any]], T]) -> T | None:
    """`build` over the JSON object kept in `value`; None when nothing is kept, or when it is
    not an object `build` can read (written by another version: treat as nothing kept)."""
    if value is None:
        return None
    try:
        data = orjson.loads(value)  # orjson.JSONDecodeError is a ValueError
        return build(data) if isinstance(data, dict) else None
    except (KeyError, TypeError, ValueError):
        return None


def _slots_from(data: dict[str, Any]) -> KeptSlots:
    return KeptSlots(
        start=date.fromisoformat(data["start"]),
        days=int(data["days"]),
        slots=tuple(datetime.fromisoformat(s) for s in data["slots"]),
        as_of=datetime.fromisoformat(data["at"]),
    )


def _number_from(data: dict[str, Any]) -> KeptNumber:
    return KeptNumber(
        number=str(data["number"]),
        extension=None if data["extension"] is None else str(data["extension"]),
        expires_at=datetime.fromisoformat(data["expiresAt"]),
        as_of=datetime.fromisoformat(data["at"]),
    )
