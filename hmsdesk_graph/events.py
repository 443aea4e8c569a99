"""Listing events written behind the response, in batches.

Searches record impressions into a bounded in-memory buffer and return at once; a background
task writes the buffer in batches. A full buffer drops events (counted, logged) rather than
slowing or failing a search; shutdown flushes what is left. Events hold no personal data:
no patient, no IP address, no free text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import Channel, EventKind, TargetKind
from hmsdesk_graph.reach.rollup import add_to_daily_stats

logger = logging.getLogger("hmsdesk_graph.events")


@dataclass(frozen=True)
class ListingEvent:
    kind: EventKind
    target_kind: TargetKind
    target_id: int
    channel: Channel = Channel.WEB
    city_id: int | None = None
    campaign_id: int | None = None
    position: int | None = None
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class EventRecorder:
    """A bounded buffer of events and the task that writes it out."""

    def __init__(self, capacity: int = 10_000, batch_size: int = 500, interval_s: float = 1.0):
        self.capacity = capacity
        self.batch_size = batch_size
        self.interval_s = interval_s
        self.dropped = 0
        self.written = 0
        self._buffer: list[ListingEvent] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def record(self, events: list[ListingEvent]) -> None:
        """Buffer events without waiting; drop (and count) what does not fit."""
        room = self.capacity - len(self._buffer)
        if room < len(events):
            self.dropped += len(events) - max(room, 0)
            logger.warning("event buffer full: dropped %d events", len(events) - max(room, 0))
            events = events[: max(room, 0)]
        self._buffer.extend(events)
        if len(self._buffer) >= self.batch_size:
            self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="hmsdesk-event-flush")

    async def stop(self) -> None:
        """Stop the background task and write whatever is buffered."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                # The batch is lost but searches go on; the log says how many.
                logger.exception("writing listing events failed")

    async def flush(self) -> int:
        """Write all buffered events now (one transaction per batch); returns how many."""
        async with self._lock:
            total = 0
            while self._buffer:
                batch, self._buffer = (
                    self._buffer[: self.batch_size],
                    self._buffer[self.batch_size :],
                )
                await _write(batch)
                total += len(batch)
            self.written += total
            return total


async def _write(batch: list[ListingEvent]) -> None:
    delivered = Counter(
        e.campaign_id
        for e in batch
        if e.kind is EventKind.SPONSORED_IMPRESSION and e.campaign_id is not None
    )
    async with in_transaction() as conn:
        await models.ListingEvent.bulk_create(
            [
                models.ListingEvent(
                    kind=e.kind,
                    occurred_at=e.occurred_at,
                    target_kind=e.target_kind,
                    target_id=e.target_id,
                    campaign_id=e.campaign_id,
                    channel=e.channel,
                    city_id=e.city_id,
                    position=e.position,
                )
                for e in batch
            ],
            using_db=conn,
        )
        # Same transaction: an event is in the daily stats exactly when it is stored.
        await add_to_daily_stats(conn, batch)
        for campaign_id, count in sorted(delivered.items()):
            await (
                models.Campaign.filter(id=campaign_id)
                .using_db(conn)
                .update(delivered_impressions=F("delivered_impressions") + count)
            )
