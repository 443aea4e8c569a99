"""A small circuit breaker for one partner service, used from a single event loop.

Hand-written on purpose: the maintained async-native library (purgatory) brings a message bus,
unit of work and repositories for what is ~80 lines here, aiobreaker is unmaintained, and
pybreaker has no native asyncio support.

States: CLOSED counts consecutive failures and opens at the threshold; OPEN refuses every
call until ``reset_s`` has passed; then one caller becomes the HALF_OPEN probe (everyone else
is still refused) and its outcome closes or re-opens the circuit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class Permit:
    """Proof that a call was let through; outcomes are reported against it."""

    generation: int
    probe: bool


class CircuitBreaker:
    """Consecutive-failure breaker with a single half-open probe."""

    def __init__(
        self,
        failure_threshold: int,
        reset_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.failure_threshold = failure_threshold
        self.reset_s = reset_s
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False
        # Bumped on every state change, so a slow call that started under an older state
        # cannot close (or re-open) a circuit it knows nothing about.
        self._generation = 0

    @property
    def state(self) -> BreakerState:
        """The current state, moving OPEN → HALF_OPEN once the reset time has passed."""
        if self._state is BreakerState.OPEN and self._clock() - self._opened_at >= self.reset_s:
            self._move(BreakerState.HALF_OPEN)
        return self._state

    def acquire(self) -> Permit | None:
        """Let a call through (a Permit) or refuse it at once (None)."""
        state = self.state
        if state is BreakerState.CLOSED:
            return Permit(self._generation, probe=False)
        if state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            return Permit(self._generation, probe=True)
        return None

    def success(self, permit: Permit) -> None:
        """The call got a usable answer: the service is healthy."""
        if permit.generation != self._generation:
            return
        if self._state is BreakerState.HALF_OPEN and permit.probe:
            self._move(BreakerState.CLOSED)
        elif self._state is BreakerState.CLOSED:
            self._failures = 0

    def failure(self, permit: Permit) -> None:
        """The call failed in a way that says the service is unhealthy."""
        if permit.generation != self._generation:
            return
        if self._state is BreakerState.HALF_OPEN and permit.probe:
            self._open()
        elif self._state is BreakerState.CLOSED:
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._open()

    def abandon(self, permit: Permit) -> None:
        """The call ended without a verdict (cancelled): free the probe slot for someone else."""
        if permit.probe and permit.generation == self._generation:
            self._probing = False

    def _open(self) -> None:
        self._opened_at = self._clock()
        self._move(BreakerState.OPEN)

    def _move(self, state: BreakerState) -> None:
        self._state = state
        self._failures = 0
        self._probing = False
        self._generation += 1
