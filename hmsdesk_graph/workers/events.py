"""Listing events written behind the response, in batches.

Searches record impressions into a bounded in-memory buffer and return at once; a background
task writes the buffer every `interval_s` or as soon as `batch_size` events wait, each batch
(events of many requests) one INSERT of all its rows, its daily roll-up one set-based upsert
(the same statement on PostgreSQL) and its campaigns' delivery one UPDATE, in one transaction.
A failed write puts its batch back for the next flush; shutdown flushes what is left.
A server answering faster than its events can be written slows to the write rate instead of
losing them: a request starts only while the buffer has `headroom` left (`admit`), and its
events, buffered once its answer has gone out (`record_when_room`), wait for room if need be.
While writes fail (the database down) nothing waits: events that do not fit are dropped,
counted and logged, as they are after a wait past `room_wait_s`.
Tests and tools write the buffer at once with `EventRecorder.flush()`. Events hold no personal
data: no patient, no IP address, no free text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from tortoise.transactions import in_transaction

from hmsdesk_graph.db.connection import is_postgres
from hmsdesk_graph.db.enums import Channel, EventKind, TargetKind
from hmsdesk_graph.ops import metrics
from hmsdesk_graph.workers.periodic import cancel_and_wait
from hmsdesk_graph.workers.rollup import add_counts_sql, add_events_sql, daily_counts

logger = logging.getLogger("hmsdesk_graph.workers.events")


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

    # Sized for cached search hits at ~1,000 req/s x 20 edges: a flush takes what has built up in
    # batches of up to `batch_size` (one statement each), woken early once `wake_at` are waiting,
    # and the buffer holds a few seconds of that rate (~200 bytes an event) before it drops any.
    def __init__(
        self,
        capacity: int = 100_000,
        batch_size: int = 5_000,
        interval_s: float = 1.0,
        wake_at: int = 500,
        room_wait_s: float = 10.0,
    ):
        self.capacity = capacity
        self.batch_size = batch_size
        self.interval_s = interval_s
        self.wake_at = wake_at
        self.room_wait_s = room_wait_s
        # Room kept for the events of the requests already running when admission closes.
        self.headroom = capacity // 10
        self.dropped = 0
        self.waited = 0
        # The last write failed: waiting for room would only delay requests (cached answers
        # too) while the database is down.
        self.failing = False
        self.written = 0
        self._buffer: list[ListingEvent] = []
        self._wake = asyncio.Event()
        # Set (and replaced) each time a written batch frees room: waiters re-check the buffer.
        self._room = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def record(self, events: list[ListingEvent]) -> None:
        """Buffer events without waiting; drop (and count) what does not fit."""
        room = max(self.capacity - len(self._buffer), 0)
        if room < len(events):
            self._drop(len(events) - room)
            events = events[:room]
        self._buffer.extend(events)
        if len(self._buffer) >= self.wake_at:
            self._wake.set()

    async def admit(self) -> None:
        """Before a request runs: wait (at most `room_wait_s`) while less than `headroom` is
        left in the buffer, so requests start no faster than their events are written."""
        if await self._room_for(self.headroom):
            self.waited += 1
            metrics.events_waited()

    async def record_when_room(self, events: list[ListingEvent]) -> None:
        """Buffer events, first waiting (at most `room_wait_s`) while the buffer is too full
        to take them; for callers that may wait, such as a request whose answer has gone out."""
        await self._room_for(len(events))
        self.record(events)

    async def _room_for(self, count: int) -> bool:
        """Wait while `count` events would not fit (at most `room_wait_s`; not at all while
        nobody writes or writes fail); whether it waited."""
        need = min(count, self.capacity)
        if len(self._buffer) + need <= self.capacity or self._task is None or self.failing:
            return False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.room_wait_s
        while (
            len(self._buffer) + need > self.capacity and self._task is not None and not self.failing
        ):
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._wake.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._room.wait(), remaining)
        return True

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="hmsdesk-event-flush")

    async def stop(self) -> None:
        """Stop the background task and write whatever is buffered."""
        await cancel_and_wait(self._task)
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
                # The batch went back into the buffer (see flush): the next tick retries it.
                logger.exception("writing listing events failed; retrying on the next flush")

    async def flush(self) -> int:
        """Write all buffered events now (one transaction per batch); returns how many."""
        async with self._lock:
            total = 0
            try:
                while self._buffer:
                    batch, self._buffer = (
                        self._buffer[: self.batch_size],
                        self._buffer[self.batch_size :],
                    )
                    try:
                        await _write(batch)
                    except BaseException as exc:
                        # Nothing is lost to a failed write (its transaction rolled back):
                        # the batch goes back in front, within the buffer's capacity.
                        self._requeue(batch)
                        if isinstance(exc, Exception):
                            self.failing = True
                            self._free_room()  # waiters stop waiting
                        raise
                    total += len(batch)
                    self.failing = False
                    self._free_room()
            finally:
                self.written += total
            return total

    def _free_room(self) -> None:
        freed, self._room = self._room, asyncio.Event()
        freed.set()

    def _requeue(self, batch: list[ListingEvent]) -> None:
        room = max(self.capacity - len(self._buffer), 0)
        if room < len(batch):
            self._drop(len(batch) - room)
        self._buffer[:0] = batch[:room]

    def _drop(self, count: int) -> None:
        self.dropped += count
        metrics.events_dropped(count)
        logger.warning("event buffer full: dropped %d events", count)


_COLUMNS = (
    "kind",
    "occurred_at",
    "target_kind",
    "target_id",
    "campaign_id",
    "channel",
    "city_id",
    "position",
)
_PG_TYPES = ("text", "timestamptz", "text", "int", "int", "text", "int", "smallint")
_INSERT = f"INSERT INTO listing_event ({', '.join(_COLUMNS)})"
# One statement per batch whatever its size, and the same text every time (one prepared plan):
# the columns as arrays on PostgreSQL, the rows as one JSON array on SQLite. On PostgreSQL the
# batch's daily roll-up, grouped in Python, rides in the same statement.
_WRITE_PG = (
    f"WITH e AS ({_INSERT} SELECT * FROM unnest("
    + ", ".join(f"${i}::{t}[]" for i, t in enumerate(_PG_TYPES, 1))
    + ")) "
    + add_counts_sql(len(_PG_TYPES) + 1)
)
_BATCH_SQLITE = (
    "(SELECT "
    + ", ".join(f"json_extract(value, '$[{i}]') AS {c}" for i, c in enumerate(_COLUMNS))
    + " FROM json_each(?1) ORDER BY key)"
)
_INSERT_SQLITE = f"{_INSERT} SELECT * FROM {_BATCH_SQLITE}"
_ROLLUP_SQLITE = add_events_sql(_BATCH_SQLITE, postgres=False)
# Delivered impressions per campaign, all campaigns of the batch in one UPDATE. On PostgreSQL
# the rows are locked in id order first, so two workers' flushes cannot deadlock on them.
_DELIVERED_PG = (
    "WITH locked AS (SELECT id FROM campaign WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE)"
    " UPDATE campaign AS c SET delivered_impressions = c.delivered_impressions + d.n"
    " FROM unnest($1::int[], $2::int[]) AS d(id, n)"
    " WHERE c.id = d.id AND c.id IN (SELECT id FROM locked)"
)
_DELIVERED_SQLITE = (
    "UPDATE campaign SET delivered_impressions = delivered_impressions + d.n FROM"
    " (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS n"
    " FROM json_each(?1)) AS d WHERE campaign.id = d.id"
)


_Row = tuple[str, datetime, str, int, int | None, str, int | None, int | None]


class HeldEvents(EventRecorder):
    """Events kept back, not buffered for writing, until their holder passes them on.

    A request's impressions count only once its answer goes out: one cancelled at its deadline,
    or withheld for a failed audit write, showed the patient nothing.
    """

    def __init__(self) -> None:
        super().__init__(capacity=0)
        self.held: list[ListingEvent] = []

    def record(self, events: list[ListingEvent]) -> None:
        self.held.extend(events)


def _rows(batch: list[ListingEvent]) -> list[_Row]:
    return [
        (
            e.kind.value,
            e.occurred_at.astimezone(UTC),
            e.target_kind.value,
            e.target_id,
            e.campaign_id,
            e.channel.value,
            e.city_id,
            e.position,
        )
        for e in batch
    ]


def _columns(batch: list[ListingEvent]) -> list[list[Any]]:
    """The batch as one list per column (PostgreSQL's unnest arrays), built column by column:
    at ~20k events a second per worker this runs on the request loop, so it is kept lean
    (asyncpg sends an aware datetime as the instant it is, whatever its zone)."""
    return [
        [e.kind.value for e in batch],
        [e.occurred_at for e in batch],
        [e.target_kind.value for e in batch],
        [e.target_id for e in batch],
        [e.campaign_id for e in batch],
        [e.channel.value for e in batch],
        [e.city_id for e in batch],
        [e.position for e in batch],
    ]


async def _write(batch: list[ListingEvent]) -> None:
    """The batch's events, their daily roll-up and campaign delivery, in one transaction.

    PostgreSQL: one statement for the events and the roll-up, one for delivery (when the batch
    holds sponsored impressions). SQLite: one statement each.
    """
    delivered = sorted(
        Counter(
            e.campaign_id
            for e in batch
            if e.kind is EventKind.SPONSORED_IMPRESSION and e.campaign_id is not None
        ).items()
    )
    async with in_transaction() as conn:
        if is_postgres(conn):
            columns = _columns(batch)
            await conn.execute_query(_WRITE_PG, [*columns, *daily_counts(*columns)])
            if delivered:
                ids, counts = zip(*delivered, strict=True)
                await conn.execute_query(_DELIVERED_PG, [list(ids), list(counts)])
            return
        # SQLite keeps timestamps as the text tortoise writes: isoformat with a space.
        rows = _rows(batch)
        text = orjson.dumps([(r[0], r[1].isoformat(" "), *r[2:]) for r in rows]).decode()
        # Same transaction: an event is in the daily stats exactly when it is stored.
        await conn.execute_query(_INSERT_SQLITE, [text])
        await conn.execute_query(_ROLLUP_SQLITE, [text])
        if delivered:
            await conn.execute_query(_DELIVERED_SQLITE, [orjson.dumps(delivered).decode()])
