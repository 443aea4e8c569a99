"""Routed numbers for the telephony double: one per (role, caller), reused while valid."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

NUMBER_TTL = timedelta(minutes=30)
POOL_SIZE = 50


@dataclass(frozen=True)
class Allocation:
    number: str
    extension: str
    expires_at: datetime
    generation: int

    def to_json(self) -> dict[str, str]:
        return {
            "number": self.number,
            "extension": self.extension,
            "expiresAt": self.expires_at.isoformat(),
        }


class NumberBook:
    """Allocates virtual Pune numbers (+91 20 …) with an extension, deterministically."""

    def __init__(self, seed: int, clock: Callable[[], datetime] | None = None) -> None:
        self.seed = seed
        self._clock = clock or (lambda: datetime.now(UTC))
        self._allocations: dict[tuple[int, str], Allocation] = {}

    def allocate(self, role_id: int, caller_ref: str) -> Allocation:
        now = self._clock()
        current = self._allocations.get((role_id, caller_ref))
        if current is not None and current.expires_at > now:
            return current
        generation = 0 if current is None else current.generation + 1
        digest = hashlib.sha256(f"{self.seed}:{role_id}:{caller_ref}:{generation}".encode())
        value = int.from_bytes(digest.digest()[:8], "big")
        allocation = Allocation(
            number=f"+91 20 7117 {1000 + value % POOL_SIZE:04d}",
            extension=f"{1000 + (value // POOL_SIZE) % 9000}",
            expires_at=(now + NUMBER_TTL).replace(microsecond=0),
            generation=generation,
        )
        self._allocations[(role_id, caller_ref)] = allocation
        return allocation

    def __len__(self) -> int:
        return len(self._allocations)
