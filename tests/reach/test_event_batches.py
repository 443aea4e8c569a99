"""Listing events are written one INSERT per batch, across requests, none lost or altered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from hmsdesk_graph.db import models
from hmsdesk_graph.db.statements import StatementCounter, counting
from hmsdesk_graph.workers.events import ListingEvent
from tests.conftest import GraphQLClient
from tests.reach.world import ReachWorld, synthetic_events

WEB = (
    Path(__file__).resolve().parents[2] / "schema" / "operations" / "webSearchPractitioners.graphql"
).read_text(encoding="utf-8")


def _key(e: ListingEvent | models.ListingEvent) -> tuple[Any, ...]:
    return (
        e.kind,
        e.target_kind,
        e.target_id,
        e.campaign_id,
        e.channel,
        e.city_id,
        e.position,
        e.occurred_at,
    )


def _rows_carried(params: Any) -> int:
    """Rows one INSERT carries: a JSON array of rows (SQLite) or column arrays (PostgreSQL)."""
    if len(params) == 1 and isinstance(params[0], str):
        return len(orjson.loads(params[0]))
    return len(params[0])


async def _flush_counting(recorder: Any) -> tuple[int, list[int]]:
    """Events written by a flush, and the rows each of its listing_event INSERTs carried."""
    counter = StatementCounter(keep_text=True)
    with counting(counter):
        written = await recorder.flush()
    inserts = [
        _rows_carried(params) for sql, params in counter.statements if "INTO listing_event" in sql
    ]
    return written, inserts


async def test_searches_impressions_are_one_insert_per_flush(
    gql: GraphQLClient, app: Any, world: ReachWorld
) -> None:
    recorder = app.state.events
    await recorder.stop()  # no timed flush in between: this test flushes by hand
    await models.ListingEvent.all().delete()
    served = 0
    for variables in (
        {"city": "pune", "first": 20},
        {"city": "pune", "query": "cardiologist", "first": 5},
        {"city": "mumbai", "first": 3},
        {"city": "pune", "filter": {"gender": "FEMALE"}, "first": 100},
    ):
        body = await gql.execute(WEB, variables)
        assert "errors" not in body, body["errors"]
        served += len(body["data"]["searchPractitioners"]["edges"])
    pending = list(recorder._buffer)
    written, inserts = await _flush_counting(recorder)
    assert written == served == len(pending) > 50
    assert inserts == [served]  # one statement carrying every request's impressions
    stored = await models.ListingEvent.all().order_by("id")
    assert [_key(e) for e in stored] == [_key(e) for e in pending]


async def test_large_backlog_is_one_insert_per_batch(app: Any, world: ReachWorld) -> None:
    recorder = app.state.events
    await recorder.stop()
    recorder.batch_size = 500  # the rule, not the default size, is under test
    await models.ListingEvent.all().delete()
    events = [e for seed in range(12) for e in synthetic_events(world, 5, seed=seed)]
    assert len(events) > 2 * recorder.batch_size
    recorder.record(events)
    written, inserts = await _flush_counting(recorder)
    assert written == len(events)
    size = recorder.batch_size
    assert inserts == [min(size, len(events) - i) for i in range(0, len(events), size)]
    stored = await models.ListingEvent.all().order_by("id")
    # Timestamps (microseconds, time zone) and NULLs come back exactly as recorded.
    assert [_key(e) for e in stored] == [_key(e) for e in events]
    assert sum(s.count for s in await models.DailyStat.all()) == len(events)
