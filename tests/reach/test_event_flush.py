"""A flush writes its batch, the batch's daily roll-up and campaign delivery in a fixed, small
number of set-based statements whatever the batch holds; a failed write loses nothing."""

from __future__ import annotations

import ast
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hmsdesk_graph.db import models
from hmsdesk_graph.db.connection import is_postgres
from hmsdesk_graph.db.enums import EventKind, TargetKind
from hmsdesk_graph.db.statements import StatementCounter, counting
from hmsdesk_graph.workers import events as events_module
from hmsdesk_graph.workers.events import ListingEvent
from hmsdesk_graph.workers.rollup import rollup
from tests.reach.world import ReachWorld, synthetic_events

PACKAGE = Path(__file__).resolve().parents[2] / "hmsdesk_graph"


def _stat_key(s: models.DailyStat) -> tuple[Any, ...]:
    return (s.day, s.kind, s.target_kind, s.target_id, s.campaign_id, s.channel, s.city_id)


async def _stats() -> dict[tuple[Any, ...], tuple[int, int, int]]:
    return {
        _stat_key(s): (s.count, s.position_sum, s.position_count)
        for s in await models.DailyStat.all()
    }


def _delivered(events: list[ListingEvent]) -> Counter[int]:
    return Counter(
        e.campaign_id
        for e in events
        if e.kind is EventKind.SPONSORED_IMPRESSION and e.campaign_id is not None
    )


async def _campaign_delivery(world: ReachWorld) -> dict[int, int]:
    ids = [world.x_campaign, world.y_campaign]
    return {c.id: c.delivered_impressions for c in await models.Campaign.filter(id__in=ids).all()}


@pytest.mark.parametrize("days", [1, 30])
async def test_a_flush_is_the_same_few_statements_whatever_the_batch_holds(
    app: Any, world: ReachWorld, days: int
) -> None:
    recorder = app.state.events
    await recorder.stop()
    await models.ListingEvent.all().delete()
    await models.DailyStat.all().delete()
    before = await _campaign_delivery(world)
    events = synthetic_events(world, days)[: recorder.batch_size]
    delivered = _delivered(events)
    assert delivered  # the batch holds sponsored impressions: delivery is written too
    recorder.record(events)
    counter = StatementCounter(keep_text=True)
    with counting(counter):
        assert await recorder.flush() == len(events)
    texts = [sql for sql, _ in counter.statements]
    writes = [t for t in texts if t.lstrip().upper().startswith(("WITH", "INSERT", "UPDATE"))]
    # PostgreSQL: the events and their roll-up are one statement; SQLite: one each.
    # Either way one UPDATE carries every campaign's delivery.
    assert len(writes) == (2 if is_postgres() else 3), writes
    assert sum("INTO daily_stat" in t for t in writes) == 1
    assert sum("UPDATE campaign" in t for t in writes) == 1

    # The incremental roll-up equals the full recompute from the stored events.
    incremental = await _stats()
    assert sum(count for count, _, _ in incremental.values()) == len(events)
    await rollup()
    assert await _stats() == incremental
    after = await _campaign_delivery(world)
    assert {k: after[k] - before[k] for k in after} == {k: delivered.get(k, 0) for k in after}


async def test_flushes_add_to_existing_daily_rows(app: Any, world: ReachWorld) -> None:
    recorder = app.state.events
    await recorder.stop()
    await models.ListingEvent.all().delete()
    await models.DailyStat.all().delete()
    events = synthetic_events(world, 3)
    half = len(events) // 2
    recorder.record(events[:half])
    await recorder.flush()
    recorder.record(events[half:])
    await recorder.flush()
    incremental = await _stats()
    assert sum(count for count, _, _ in incremental.values()) == len(events)
    await rollup()
    assert await _stats() == incremental


async def test_a_failed_write_keeps_its_batch_for_the_next_flush(
    app: Any, world: ReachWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = app.state.events
    await recorder.stop()
    await models.ListingEvent.all().delete()
    events = synthetic_events(world, 2)
    recorder.record(events)
    real_write = events_module._write
    calls = 0

    async def fail_once(batch: list[ListingEvent]) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database went away")
        await real_write(batch)

    monkeypatch.setattr(events_module, "_write", fail_once)
    with pytest.raises(ConnectionError):
        await recorder.flush()
    assert recorder.dropped == 0
    assert len(recorder._buffer) == len(events)
    assert await models.ListingEvent.all().count() == 0
    assert await recorder.flush() == len(events)
    assert await models.ListingEvent.all().count() == len(events)
    assert recorder.dropped == 0 and not recorder._buffer


async def test_events_either_side_of_ist_midnight_count_on_their_own_days(
    app: Any, world: ReachWorld
) -> None:
    """The flush's roll-up puts an event on its Indian calendar day (IST midnight is 18:30
    UTC), with null campaigns, cities and positions, exactly as the full recompute does."""
    recorder = app.state.events
    await recorder.stop()
    await models.ListingEvent.all().delete()
    await models.DailyStat.all().delete()
    midnight = datetime(2026, 11, 30, 18, 30, tzinfo=UTC)  # 1 December 00:00 IST
    events = [
        ListingEvent(
            kind=kind,
            target_kind=TargetKind.PRACTITIONER,
            target_id=1000,
            campaign_id=campaign,
            city_id=city,
            position=position,
            occurred_at=midnight + timedelta(seconds=offset),
        )
        for offset in (-61, -1, 0, 59)
        for kind, campaign, city, position in (
            (EventKind.IMPRESSION, None, world.ds.city_ids["pune"], 3),
            (EventKind.SPONSORED_IMPRESSION, world.x_campaign, None, None),
            (EventKind.PROFILE_VIEW, None, None, None),
        )
    ]
    recorder.record(events)
    await recorder.flush()
    incremental = await _stats()
    days = Counter()
    for (day, *_), (count, _, _) in incremental.items():
        days[day] += count
    assert days == {date(2026, 11, 30): 6, date(2026, 12, 1): 6}
    assert sum(p for _, p, _ in incremental.values()) == 4 * 3
    await rollup()
    assert await _stats() == incremental


def _imports(path: Path) -> set[str]:
    """Every module a file imports anywhere: top level, under TYPE_CHECKING, in functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_rollup_does_not_import_the_event_recorder() -> None:
    # events -> rollup, never back: not even for a type hint or inside a function.
    assert "hmsdesk_graph.workers.rollup" in _imports(PACKAGE / "workers" / "events.py")
    assert not any(
        name == "hmsdesk_graph.workers.events" or name.startswith("hmsdesk_graph.workers.events.")
        for name in _imports(PACKAGE / "workers" / "rollup.py")
    )
