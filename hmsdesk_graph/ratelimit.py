"""Per-viewer rate limits: a sliding window per key, held in this process.

One process's window is exact; with several workers each keeps its own, so the effective
limit is per worker (Redis-backed windows are the production upgrade, noted in the README).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """Allows at most `limit` hits per key within `window_s` seconds."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        """Record a hit for `key` if it is within the limit; False when it is not."""
        now = self._clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        if len(self._hits) > 100_000:  # forget idle keys rather than grow without bound
            for idle in [k for k, v in self._hits.items() if not v][:50_000]:
                del self._hits[idle]
        return True
