"""SharedState: the one Redis client (or its in-process stand-in) and its key prefix.

Created in the app lifespan, never at import. Everything that must agree across workers (rate
limits, APQ registrations) goes through it, so one interface serves both modes.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

from hmsdesk_graph.config import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("hmsdesk_graph.shared")

# The in-process store forgets its oldest entries past this many (registrations are cheap to
# redo: a client that meets PERSISTED_QUERY_NOT_FOUND simply sends the document again).
_MEMORY_ENTRIES = 10_000
# After a Redis failure, callers skip it this long (failing open at once) rather than each
# request waiting out a connect timeout against a server that is away.
BACKOFF_S = 5.0


class SharedState:
    """Keys and values shared by all workers (Redis), or held by this process (no Redis)."""

    def __init__(self, prefix: str, redis: Redis | None = None) -> None:
        self.prefix = prefix
        self.redis = redis
        self._memory: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._retry_at = 0.0

    @classmethod
    async def open(cls, settings: Settings) -> SharedState:
        """Connect to HMSDESK_REDIS_URL when set; an unreachable server is reported by /readyz."""
        if not settings.redis_url:
            return cls(settings.redis_key_prefix)
        from redis.asyncio import Redis

        client = Redis.from_url(
            settings.redis_url,
            socket_connect_timeout=1.0,
            socket_timeout=1.0,
            health_check_interval=30,
            decode_responses=False,
        )
        return cls(settings.redis_key_prefix, client)

    @property
    def mode(self) -> str:
        """``redis`` or ``memory`` (for logs and /readyz; never the URL)."""
        return "memory" if self.redis is None else "redis"

    def key(self, *parts: str) -> str:
        """A key under this deployment's prefix."""
        return self.prefix + ":".join(parts)

    def usable(self) -> bool:
        """False for a few seconds after a Redis failure: callers then fail open at once."""
        return self.redis is None or time.monotonic() >= self._retry_at

    def failed(self) -> None:
        """Record a Redis failure (the caller logs it): skip Redis for BACKOFF_S."""
        self._retry_at = time.monotonic() + BACKOFF_S

    async def ping(self) -> bool:
        """True when the store answers (always, in-process); readiness always really asks."""
        if self.redis is None:
            return True
        try:
            answered = bool(await self.redis.ping())
        except Exception:
            logger.warning("redis ping failed", exc_info=True)
            self.failed()
            return False
        self._retry_at = 0.0
        return answered

    async def get(self, key: str) -> str | None:
        """The value stored under the (already prefixed) key, if it has not expired."""
        if self.redis is None:
            entry = self._memory.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires <= time.monotonic():
                del self._memory[key]
                return None
            self._memory.move_to_end(key)
            return value
        raw = await self.redis.get(key)
        if raw is None:
            return None
        return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)

    async def get_bytes(self, key: str) -> bytes | None:
        """The raw value under a key in Redis (callers keep their own in-process copies)."""
        assert self.redis is not None
        raw = await self.redis.get(key)
        return None if raw is None else raw if isinstance(raw, bytes) else raw.encode()

    async def set_bytes(self, key: str, value: bytes, ttl_s: int) -> None:
        """Store a raw value in Redis for ttl_s seconds."""
        assert self.redis is not None
        await self.redis.set(key, value, ex=ttl_s)

    async def set(self, key: str, value: str, ttl_s: int) -> None:
        """Store a value for ttl_s seconds."""
        if self.redis is None:
            self._memory[key] = (time.monotonic() + ttl_s, value)
            self._memory.move_to_end(key)
            while len(self._memory) > _MEMORY_ENTRIES:
                self._memory.popitem(last=False)
            return
        await self.redis.set(key, value.encode("utf-8"), ex=ttl_s)

    async def add(self, key: str, ttl_s: int) -> bool:
        """Mark `key` for ttl_s seconds; False when it was already marked (SET NX)."""
        if self.redis is None:
            if await self.get(key) is not None:
                return False
            await self.set(key, "1", ttl_s)
            return True
        return bool(await self.redis.set(key, b"1", ex=ttl_s, nx=True))

    async def delete(self, key: str) -> None:
        """Forget a key."""
        if self.redis is None:
            self._memory.pop(key, None)
            return
        await self.redis.delete(key)

    async def close(self) -> None:
        """Close the Redis connections (nothing to do in-process)."""
        if self.redis is not None:
            await self.redis.aclose()
