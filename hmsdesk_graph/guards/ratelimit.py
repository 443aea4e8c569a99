"""Rate limits every worker agrees on, from the `limits` library.

With Redis (HMSDESK_REDIS_URL) the windows live there (`async+redis://`, on the app's one
connection pool), so a limit of 10 is 10 across all workers and hosts; without it they live in
this process (`async+memory://`). Viewer actions use a moving window (exact: the limits are
small); the per-client request budget uses a sliding-window counter (two counters per client,
whatever the budget). A store that fails open: an unreachable Redis is logged and counted by
/readyz, it never turns every request into an error.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from dataclasses import dataclass
from enum import StrEnum

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import (
    MovingWindowRateLimiter,
    RateLimiter,
    SlidingWindowCounterRateLimiter,
)

from hmsdesk_graph.config import Settings
from hmsdesk_graph.errors import RateLimited
from hmsdesk_graph.ops import metrics
from hmsdesk_graph.shared.state import SharedState

logger = logging.getLogger("hmsdesk_graph.guards.ratelimit")


class Limit(StrEnum):
    """The limits; the value is the metrics label and part of the key (never client-chosen)."""

    CONTACT_REVEALS = "contact_reveals"
    BOOKINGS = "bookings"
    REVIEWS = "reviews"
    REQUESTS = "requests"


_MESSAGES = {
    Limit.CONTACT_REVEALS: "Too many numbers revealed recently: try again later.",
    Limit.BOOKINGS: "Too many bookings recently: try again later.",
    Limit.REVIEWS: "Too many reviews recently: try again later.",
    Limit.REQUESTS: "Too many requests: slow down and try again later.",
}


@dataclass(frozen=True)
class Refusal:
    """A refused hit: which limit, its size, and whole seconds until a hit is allowed again."""

    limit: Limit
    amount: int
    retry_after_s: int

    def error(self) -> RateLimited:
        """The GraphQL error for a field-level refusal (extensions: limit, retryAfter)."""
        return RateLimited(_MESSAGES[self.limit], limit=self.amount, retryAfter=self.retry_after_s)


def _items(settings: Settings) -> dict[Limit, RateLimitItem]:
    items: dict[Limit, RateLimitItem] = {
        Limit.CONTACT_REVEALS: RateLimitItemPerHour(settings.contact_reveals_per_hour),
        Limit.BOOKINGS: RateLimitItemPerHour(settings.bookings_per_hour),
        Limit.REVIEWS: RateLimitItemPerHour(settings.reviews_per_hour),
    }
    if settings.client_requests_per_minute > 0:
        items[Limit.REQUESTS] = RateLimitItemPerMinute(settings.client_requests_per_minute)
    return items


class RateLimits:
    """The app's limits on one storage (Redis or this process)."""

    def __init__(
        self, storage: Storage, items: dict[Limit, RateLimitItem], shared: SharedState
    ) -> None:
        self.storage = storage
        self.items = items
        self.shared = shared
        self._exact = MovingWindowRateLimiter(storage)
        self._counter = SlidingWindowCounterRateLimiter(storage)

    @classmethod
    def open(cls, settings: Settings, shared: SharedState) -> RateLimits:
        """Limits on the shared Redis (its connection pool) or, without one, in this process."""
        storage: Storage
        if shared.redis is None:
            storage = MemoryStorage()
        else:
            storage = RedisStorage(
                "async+redis://",  # the pool below decides where; the URL only picks the class
                # One pool for the whole app (limits types its options as scalars only).
                connection_pool=shared.redis.connection_pool,  # type: ignore[arg-type]
                implementation="redispy",
                key_prefix=shared.key("limits"),
            )
        return cls(storage, _items(settings), shared)

    def _strategy(self, limit: Limit) -> RateLimiter:
        return self._counter if limit is Limit.REQUESTS else self._exact

    def enabled(self, limit: Limit) -> bool:
        """False when the limit is switched off (a request budget of 0)."""
        return limit in self.items

    async def hit(self, limit: Limit, key: str) -> Refusal | None:
        """Count one hit for `key` (an opaque client_key); a Refusal when over the limit."""
        item = self.items.get(limit)
        if item is None or not self.shared.usable():
            return None
        strategy = self._strategy(limit)
        try:
            if await strategy.hit(item, limit.value, key):
                return None
            stats = await strategy.get_window_stats(item, limit.value, key)
        except Exception:
            # Fail open: a limiter outage must not refuse every request (readyz reports it).
            logger.warning("rate limit store failed; allowing the request", exc_info=True)
            self.shared.failed()
            return None
        metrics.rate_limited(limit.value)
        retry = max(1, math.ceil(stats.reset_time - time.time()))
        return Refusal(limit, item.amount, retry)

    async def enforce(self, limit: Limit, key: str) -> None:
        """Count one hit; raise RATE_LIMITED (with retryAfter) when over the limit."""
        refusal = await self.hit(limit, key)
        if refusal is not None:
            raise refusal.error()

    async def enforce_once(self, limit: Limit, key: str, action: str) -> None:
        """Like enforce, but retries of one action (an opaque id, e.g. a hashed idempotency
        key) count once, however many workers they reach at the same moment."""
        item = self.items.get(limit)
        if item is None or not self.shared.usable():
            return
        marker = self.shared.key("once", limit.value, action)
        try:
            first = await self.shared.add(marker, item.get_expiry())
        except Exception:
            logger.warning("rate limit store failed; allowing the request", exc_info=True)
            self.shared.failed()
            return
        if not first:
            return
        refusal = await self.hit(limit, key)
        if refusal is not None:
            # A refused action is not counted as done: its retry is judged again.
            with contextlib.suppress(Exception):
                await self.shared.delete(marker)
            raise refusal.error()

    async def reset(self) -> None:
        """Forget every window (tests and the in-process store only)."""
        await self.storage.reset()
