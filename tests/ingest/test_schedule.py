"""Bounded concurrency across feeds, and the --every loop stopping cleanly."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import time

import pytest

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import FeedRunStatus
from hmsdesk_graph.ingest import ingest_forever, parse_every
from tests.ingest.conftest import World

LATENCY_S = 0.3
FEEDS = 6


async def test_feeds_are_fetched_concurrently_but_never_above_the_bound(world: World) -> None:
    for i in range(FEEDS):
        await world.feed(f"hospital-{i}")
    world.sandbox.faults.feeds.latency_ms = int(LATENCY_S * 1000)

    started = time.perf_counter()
    bounded = await world.ingest(concurrency=2)
    elapsed = time.perf_counter() - started
    assert bounded.peak_concurrency == 2
    assert all(f.status == FeedRunStatus.SUCCEEDED for f in bounded.feeds)
    assert elapsed >= FEEDS / 2 * LATENCY_S  # three waves of two

    started = time.perf_counter()
    wide = await world.ingest(concurrency=FEEDS)  # all 304 now, still LATENCY_S each
    elapsed = time.perf_counter() - started
    assert wide.peak_concurrency == FEEDS
    assert all(f.status == FeedRunStatus.NOT_MODIFIED for f in wide.feeds)
    assert elapsed < FEEDS * LATENCY_S  # clearly not one after another
    assert world.sandbox.calls["feeds"] == 2 * FEEDS


async def test_concurrency_must_be_positive(world: World) -> None:
    with pytest.raises(ValueError):
        await world.ingest(concurrency=0)


def test_parse_every() -> None:
    assert parse_every("15m") == 900.0
    assert parse_every("90s") == parse_every("90") == 90.0
    assert parse_every("6h") == 6 * 3600.0
    assert parse_every("1d") == 86400.0
    for bad in ("", "15x", "-5m", "0s", "m"):
        with pytest.raises(ValueError):
            parse_every(bad)


async def test_ingest_forever_repeats_and_prints_each_report(world: World) -> None:
    feed = await world.feed("ruby-hall-clinic")
    out = io.StringIO()
    runs = await ingest_forever(world.settings, 1.0, out=out, max_runs=2, stop=asyncio.Event())
    assert runs == 2
    text = out.getvalue()
    assert text.count("Feed ingestion: 1 feeds") == 2
    runs_made = await models.FeedRun.filter(feed_id=feed.pk).order_by("id")
    assert [r.status for r in runs_made] == [FeedRunStatus.SUCCEEDED, FeedRunStatus.NOT_MODIFIED]


async def test_stopping_mid_run_rolls_back_and_closes_the_run(world: World) -> None:
    feed = await world.feed("ruby-hall-clinic")
    world.sandbox.faults.feeds.latency_ms = 5000
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, stop.set)

    started = time.perf_counter()
    runs = await ingest_forever(world.settings, 60.0, out=io.StringIO(), stop=stop)
    assert runs == 0
    assert time.perf_counter() - started < 2.0
    [run] = await models.FeedRun.filter(feed_id=feed.pk)
    assert (run.status, run.error) == (FeedRunStatus.FAILED, "interrupted")
    assert await models.PricePackage.filter(feed_id=feed.pk).count() == 0


async def test_ctrl_c_stops_the_loop_cleanly(world: World) -> None:
    feed = await world.feed("ruby-hall-clinic")
    world.sandbox.faults.feeds.latency_ms = 5000
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, os.kill, os.getpid(), signal.SIGINT)

    runs = await ingest_forever(world.settings, 60.0, out=io.StringIO())
    assert runs == 0
    [run] = await models.FeedRun.filter(feed_id=feed.pk)
    assert (run.status, run.error) == (FeedRunStatus.FAILED, "interrupted")
    # The handler is gone again: SIGINT is back to its default (KeyboardInterrupt).
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
