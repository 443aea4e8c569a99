"""A full event buffer slows requests down instead of losing their impressions: a request's
events wait (after its answer went out) for the writer to make room; only a writer stalled past
`room_wait_s` makes them drop, counted."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import EventKind
from hmsdesk_graph.workers import events as events_module
from hmsdesk_graph.workers.events import ListingEvent
from tests.conftest import GraphQLClient
from tests.reach.world import ReachWorld, synthetic_events

WEB = (
    Path(__file__).resolve().parents[2] / "schema" / "operations" / "webSearchPractitioners.graphql"
).read_text(encoding="utf-8")
SEARCHES = (
    {"city": "pune", "first": 20},
    {"city": "pune", "query": "cardiologist", "first": 5},
    {"city": "mumbai", "first": 3},
)
IMPRESSIONS = (EventKind.IMPRESSION, EventKind.SPONSORED_IMPRESSION)


def _filler(world: ReachWorld, n: int) -> list[ListingEvent]:
    events = synthetic_events(world, 1)
    return (events * (n // len(events) + 1))[:n]


async def _all_stored(recorder: Any, filler: list[ListingEvent], served: int) -> None:
    """Once flushed, nothing was dropped: every impression of the filler and of the served
    edges is stored."""
    await recorder.flush()
    assert recorder.dropped == 0
    filler_impressions = sum(e.kind in IMPRESSIONS for e in filler)
    stored = await models.ListingEvent.filter(kind__in=IMPRESSIONS).count()
    assert stored == filler_impressions + served


async def _paused_with_slow_writes(
    app: Any, monkeypatch: pytest.MonkeyPatch, seconds: float
) -> Any:
    """The app's recorder, stopped and emptied, whose writes take `seconds` longer (a busy
    database: the buffer is still full when requests end)."""
    recorder = app.state.events
    await recorder.stop()
    await models.ListingEvent.all().delete()
    real_write = events_module._write

    async def slow_write(batch: list[ListingEvent]) -> None:
        await asyncio.sleep(seconds)
        await real_write(batch)

    monkeypatch.setattr(events_module, "_write", slow_write)
    return recorder


async def test_searches_against_a_full_buffer_wait_for_room_and_lose_nothing(
    gql: GraphQLClient, app: Any, world: ReachWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = await _paused_with_slow_writes(app, monkeypatch, 0.2)
    recorder.capacity, recorder.batch_size, recorder.interval_s = 40, 20, 0.01
    filler = _filler(world, 40)
    recorder.record(filler)
    recorder.start()
    served = 0
    for variables in SEARCHES:
        body = await gql.execute(WEB, variables)
        assert "errors" not in body, body["errors"]
        served += len(body["data"]["searchPractitioners"]["edges"])
    assert served > recorder.capacity // 2
    await _all_stored(recorder, filler, served)


async def test_a_stalled_writer_drops_after_the_wait_and_counts_it(
    gql: GraphQLClient, app: Any, world: ReachWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = app.state.events
    await recorder.stop()
    release = asyncio.Event()
    real_write = events_module._write

    async def stalled_write(batch: list[ListingEvent]) -> None:
        await release.wait()
        await real_write(batch)

    monkeypatch.setattr(events_module, "_write", stalled_write)
    recorder.capacity, recorder.batch_size, recorder.room_wait_s = 30, 10, 0.3
    recorder.record(_filler(world, 30))
    recorder.start()
    try:
        while len(recorder._buffer) == 30:  # the writer takes its first batch, and stalls
            await asyncio.sleep(0.01)
        room = recorder.capacity - len(recorder._buffer)
        started = time.monotonic()
        body = await gql.execute(WEB, SEARCHES[0])
        waited = time.monotonic() - started
        assert "errors" not in body, body["errors"]
        edges = len(body["data"]["searchPractitioners"]["edges"])
        assert edges > room
        # No room was freed: the request waited its room_wait_s, then kept what fit.
        assert 0.3 <= waited < 10
        assert recorder.dropped == edges - room
    finally:
        release.set()
    await recorder.flush()
    assert not recorder._buffer


async def test_requests_wait_to_start_while_the_buffer_is_nearly_full(
    gql: GraphQLClient, app: Any, world: ReachWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = await _paused_with_slow_writes(app, monkeypatch, 0.1)
    recorder.capacity, recorder.headroom, recorder.batch_size = 100, 50, 30
    filler = _filler(world, 90)  # less than the headroom left: new requests wait to start
    recorder.record(filler)
    recorder.start()
    body = await gql.execute(WEB, SEARCHES[2])
    assert "errors" not in body, body["errors"]
    served = len(body["data"]["searchPractitioners"]["edges"])
    assert recorder.waited == 1
    await _all_stored(recorder, filler, served)


async def test_while_writes_fail_requests_do_not_wait_for_room(
    gql: GraphQLClient, app: Any, world: ReachWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database is down: waiting would only delay every answer (cached ones too), so the
    events that do not fit are dropped and counted at once, as before back-pressure."""
    recorder = app.state.events
    await recorder.stop()
    real_write = events_module._write

    async def failing_write(batch: list[ListingEvent]) -> None:
        raise ConnectionError("database went away")

    monkeypatch.setattr(events_module, "_write", failing_write)
    recorder.capacity, recorder.batch_size, recorder.interval_s = 30, 10, 0.01
    recorder.room_wait_s = 5.0
    recorder.record(_filler(world, 30))
    recorder.start()
    try:
        while not recorder.failing:
            await asyncio.sleep(0.01)
        started = time.monotonic()
        body = await gql.execute(WEB, SEARCHES[0])
        waited = time.monotonic() - started
        assert "errors" not in body, body["errors"]
        edges = len(body["data"]["searchPractitioners"]["edges"])
        assert waited < recorder.room_wait_s / 2
        assert recorder.dropped >= edges > 0
    finally:
        # The database is back before the app stops: its shutdown flush must not fail.
        monkeypatch.setattr(events_module, "_write", real_write)
        await recorder.stop()  # writes what is buffered
    assert not recorder._buffer and not recorder.failing
