"""Everything a running sandbox remembers: faults, call counters and the doubles' data."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

from hmsdesk_graph.sandbox.faults import ROUTES, ErrorDice, Faults
from hmsdesk_graph.sandbox.numbers import NumberBook
from hmsdesk_graph.sandbox.outbox import Outbox


@dataclass
class SandboxState:
    seed: int
    faults: Faults = field(default_factory=Faults)
    calls: Counter[str] = field(default_factory=Counter)
    feed_versions: dict[str, int] = field(default_factory=dict)
    closing: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.dice = ErrorDice(self.seed)
        self.numbers = NumberBook(self.seed)
        self.outbox = Outbox(self.seed)

    def calls_snapshot(self) -> dict[str, int]:
        return {route: self.calls[route] for route in ROUTES}

    def reset(self) -> None:
        """Back to a fresh start: no faults, no calls, no numbers or messages."""
        self.faults.replace(Faults())
        self.calls.clear()
        self.feed_versions.clear()
        self.dice = ErrorDice(self.seed)
        self.numbers = NumberBook(self.seed)
        self.outbox.clear()

    async def pause(self, seconds: float | None) -> None:
        """Sleep ``seconds`` (forever when None), waking early when the sandbox closes."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closing.wait(), seconds)


STATE = web.AppKey("sandbox_state", SandboxState)
