"""Anomalies are quarantined, reported and never served; vanished rows go stale."""

from __future__ import annotations

from datetime import UTC, datetime

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import FeedRunStatus, TargetKind
from hmsdesk_graph.loaders.prices import PackagesKey, load_packages_by_owner
from hmsdesk_graph.sandbox.pricelists import SPIKE_FACTOR, feed_rows
from tests.ingest.conftest import World, packages
from tests.ingest.test_ingest import paise

SLUG = "spike-lab-rows200-spike40"


async def served(center_id: int) -> dict[str, int]:
    """What the API's packages loader serves for the center: external_ref → price_min."""
    [rows] = await load_packages_by_owner(
        [PackagesKey(TargetKind.DIAGNOSTIC_CENTER, center_id, None, None, 1000)]
    )
    return {str(row.external_ref): row.price_min_paise for row in rows}


async def test_a_price_jump_is_quarantined_reported_and_not_served(world: World) -> None:
    feed = await world.feed(SLUG, "json")
    await world.ingest()
    before = await packages(feed)
    await world.bump(SLUG)

    report = await world.ingest()
    [result] = report.feeds
    assert result.status == FeedRunStatus.SUCCEEDED
    spiked = [f"SL-{i:06d}" for i in range(40, 201, 40)]
    assert sorted(q.row.external_ref for q in result.quarantined) == spiked
    assert result.upserted + result.unchanged == 200 - len(spiked)

    bumped = {row["external_ref"]: row for row in feed_rows(SLUG, 42, version=1)}
    held = {q.external_ref: q for q in await models.QuarantinedPrice.filter(feed_id=feed.pk)}
    assert sorted(held) == spiked
    for ref in spiked:
        entry = held[ref]
        assert entry.reason == "PRICE_JUMP"
        assert entry.price_min_paise == paise(bumped[ref]["price_min"])
        assert entry.previous_min_paise == before[ref]["price_min_paise"]
        assert entry.price_min_paise > 2 * before[ref]["price_min_paise"]  # ~ SPIKE_FACTOR
        assert entry.proposal["external_ref"] == ref and entry.feed_run_id == result.run_id
    assert SPIKE_FACTOR == 3

    # The stored (and served) price is still the one before the jump.
    after = await packages(feed)
    offered = await served(feed.diagnostic_center_id or 0)
    for ref in spiked:
        assert after[ref] == before[ref]
        assert offered[ref] == before[ref]["price_min_paise"]
    text = report.format()
    for ref in spiked:
        assert f"quarantined row {int(ref[3:])} {ref}: PRICE_JUMP price_min moved +" in text
    run = await models.FeedRun.get(id=result.run_id)
    assert run.rows_quarantined == len(spiked)
    assert [q["ref"] for q in run.report["quarantined"]] == spiked

    # The partner fixes the list (back to the first prices): the quarantine empties.
    await models.Feed.filter(id=feed.pk).update(
        url=f"{world.sandbox.url}/feeds/spike-lab-rows200.json"
    )
    [fixed] = (await world.ingest()).feeds
    assert fixed.quarantined == []
    assert await models.QuarantinedPrice.filter(feed_id=feed.pk).count() == 0


async def test_min_above_max_is_quarantined_not_inserted(world: World) -> None:
    feed = await world.feed("x-lab-minmax5", "csv")
    [result] = (await world.ingest()).feeds
    rows = feed_rows("x-lab-minmax5", 42)
    odd = [row["external_ref"] for i, row in enumerate(rows) if (i + 1) % 5 == 0]
    assert sorted(q.row.external_ref for q in result.quarantined) == odd
    assert all(q.anomaly.reason == "MIN_ABOVE_MAX" for q in result.quarantined)
    assert result.inserted == len(rows) - len(odd)
    assert set(await packages(feed)).isdisjoint(odd)
    held = await models.QuarantinedPrice.filter(feed_id=feed.pk)
    assert {q.external_ref for q in held} == set(odd)
    assert all(q.price_min_paise > q.price_max_paise and q.previous_min_paise is None for q in held)


async def test_rows_that_vanish_are_kept_but_made_stale(world: World) -> None:
    feed = await world.feed("x-lab-rows300", "csv")
    await world.ingest()
    before = await packages(feed)
    await models.Feed.filter(id=feed.pk).update(url=f"{world.sandbox.url}/feeds/x-lab-rows250.csv")

    [result] = (await world.ingest()).feeds
    assert (result.stale, result.unchanged, result.upserted) == (50, 250, 0)
    after = await packages(feed)
    assert len(after) == 300
    gone = {f"XL-{i:06d}" for i in range(251, 301)}
    for ref, row in after.items():
        if ref in gone:
            assert row["valid_until"] <= datetime.now(UTC)
            assert row["price_min_paise"] == before[ref]["price_min_paise"]
        else:
            assert row == before[ref]

    # Stale rows are not made stale again: the next same-content run writes nothing.
    await models.Feed.filter(id=feed.pk).update(etag=None)
    [again] = (await world.ingest()).feeds
    assert (again.stale, again.upserted) == (0, 0)
    assert await packages(feed) == after

    # Listed again: fresh again.
    await models.Feed.filter(id=feed.pk).update(
        url=f"{world.sandbox.url}/feeds/x-lab-rows300.csv", etag=None
    )
    [back] = (await world.ingest()).feeds
    assert back.updated == 50
    assert all(row["valid_until"] > datetime.now(UTC) for row in (await packages(feed)).values())


async def test_a_feed_given_to_another_center_moves_its_rows_and_search_text(
    world: World,
) -> None:
    feed = await world.feed("x-lab-rows60", "csv")
    await world.ingest()
    first = await models.DiagnosticCenter.get(id=feed.diagnostic_center_id)
    second = await world.center("second-lab")
    assert first.search_text and "Lipid Profile" in first.search_text
    await models.Feed.filter(id=feed.pk).update(diagnostic_center_id=second.pk, etag=None)

    [result] = (await world.ingest()).feeds
    assert (result.updated, result.unchanged) == (60, 0)
    assert {row["diagnostic_center_id"] for row in (await packages(feed)).values()} == {second.pk}
    moved_from = await models.DiagnosticCenter.get(id=first.pk)
    moved_to = await models.DiagnosticCenter.get(id=second.pk)
    assert moved_to.search_text and "Lipid Profile" in moved_to.search_text
    assert moved_from.search_text is not None and "Lipid Profile" not in moved_from.search_text
