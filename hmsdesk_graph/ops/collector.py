"""The cyclic garbage collector tuned for a long-running server.

A request allocates thousands of short-lived containers, so with Python's default young
threshold (700) the collector runs several times per request, and its full collections walk the
whole long-lived heap (schema, AST, models): 12.6% of the server's CPU on the uncached search
list (py-spy --native). The long-lived objects built at startup are frozen out of every later
collection and the young threshold raised; the collector still runs, so cycles are still freed.
Freezing alone saves nothing measurable; the threshold does, at the price of garbage held
longer (README, HMSDESK_GC_YOUNG_THRESHOLD: the default 10,000 is where the CPU saving levels
off).
"""

from __future__ import annotations

import gc


class CollectorTuning:
    """Freeze what startup built and raise the young threshold; `restore()` undoes both."""

    def __init__(self, young_threshold: int) -> None:
        self.young_threshold = young_threshold
        self._before: tuple[int, int, int] | None = None

    def apply(self) -> None:
        """Called once the app has started: everything alive now lives as long as the app."""
        if self.young_threshold <= 0 or self._before is not None:
            return
        self._before = gc.get_threshold()
        gc.collect()
        gc.freeze()
        _, middle, old = self._before
        gc.set_threshold(self.young_threshold, middle, old)

    def restore(self) -> None:
        """Python's collector as it was (the app is stopping; tests start many apps)."""
        if self._before is None:
            return
        gc.unfreeze()
        gc.set_threshold(*self._before)
        self._before = None
