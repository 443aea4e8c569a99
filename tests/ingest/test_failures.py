"""Bad rows are rejected by line; a broken feed (or a failure midway) changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hmsdesk_graph.db import models
from hmsdesk_graph.db.connection import is_postgres, write_connection
from hmsdesk_graph.db.enums import FeedRunStatus, FeedStatus
from hmsdesk_graph.sandbox.pricelists import feed_knobs
from tests.ingest.conftest import World, packages

ROWS = 3000


def bad_indexes(slug: str) -> list[int]:
    _, knobs = feed_knobs(slug)
    return [i for i in range(ROWS) if knobs.is_bad(i)]


async def test_one_percent_bad_rows_are_rejected_by_line_and_the_rest_ingests(
    world: World,
) -> None:
    csv_feed = await world.feed(f"c-lab-rows{ROWS}-bad10", "csv")
    json_feed = await world.feed(f"j-lab-rows{ROWS}-bad10", "json")
    report = await world.ingest()

    by_feed = {f.feed_id: f for f in report.feeds}
    bad = bad_indexes(f"c-lab-rows{ROWS}-bad10")
    assert len(bad) == ROWS // 100
    for feed, first_line in ((csv_feed, 2), (json_feed, 1)):  # CSV line 1 is the header
        result = by_feed[feed.pk]
        assert result.status == FeedRunStatus.SUCCEEDED, result.error
        assert (result.rows_read, result.rejected) == (ROWS, len(bad))
        assert result.inserted == ROWS - len(bad)
        assert [e.line for e in result.errors] == [i + first_line for i in bad]
        stored = await packages(feed)
        assert len(stored) == ROWS - len(bad)
        for error in result.errors:
            assert error.external_ref not in stored
        run = await models.FeedRun.get(id=result.run_id)
        assert run.rows_rejected == len(bad)
        assert [e["line"] for e in run.report["errors"]] == [i + first_line for i in bad]
    text = report.format()
    assert f"line {bad[0] + 2} " in text and f"row {bad[0] + 1} " in text
    assert "kind is not one of" in text and "name is required" in text


async def test_truncated_feed_changes_nothing_and_the_next_good_run_applies(
    world: World,
) -> None:
    feed = await world.feed("ruby-hall-clinic", "csv")
    await world.ingest()
    before = await packages(feed)
    await world.bump("ruby-hall-clinic")
    world.sandbox.faults.feeds.truncated = True

    [failed] = (await world.ingest()).feeds
    assert failed.status == FeedRunStatus.FAILED
    assert failed.error == "fetch failed: body truncated or corrupt"
    assert await packages(feed) == before
    stored_feed = await models.Feed.get(id=feed.pk)
    assert stored_feed.status == FeedStatus.FAILING
    assert stored_feed.last_error == failed.error
    run = await models.FeedRun.get(id=failed.run_id)
    assert (run.status, run.error, run.rows_upserted) == (FeedRunStatus.FAILED, failed.error, 0)
    assert run.finished_at is not None

    world.sandbox.faults.feeds.truncated = False
    [applied] = (await world.ingest()).feeds
    assert applied.status == FeedRunStatus.SUCCEEDED and applied.upserted > 0
    recovered = await models.Feed.get(id=feed.pk)
    assert recovered.status == FeedStatus.ACTIVE
    assert not recovered.last_error


async def test_malformed_json_fails_the_feed(world: World) -> None:
    feed = await world.feed("ruby-hall-clinic", "json")
    world.sandbox.faults.feeds.malformed = True
    [result] = (await world.ingest()).feeds
    assert result.status == FeedRunStatus.FAILED
    assert result.error is not None and result.error.startswith("unreadable feed")
    assert await packages(feed) == {}


async def test_malformed_csv_fails_the_feed(world: World) -> None:
    feed = await world.feed("ruby-hall-clinic", "csv")
    world.sandbox.faults.feeds.malformed = True
    [result] = (await world.ingest()).feeds
    assert result.status == FeedRunStatus.FAILED
    assert result.error is not None and "lacks required columns" in result.error
    assert await packages(feed) == {}


async def test_a_feed_of_mostly_invalid_rows_is_refused_whole(world: World) -> None:
    feed = await world.feed("x-lab-rows40-bad1000", "json")
    [result] = (await world.ingest()).feeds
    assert result.status == FeedRunStatus.FAILED
    assert result.error == "40 of 40 rows are invalid"
    assert await packages(feed) == {}


async def test_a_feed_without_an_owner_fails(world: World) -> None:
    feed = await world.feed("ruby-hall-clinic", diagnostic_center=None)
    [result] = (await world.ingest()).feeds
    assert result.status == FeedRunStatus.FAILED
    assert result.error == "feed must belong to exactly one hospital or diagnostic center"
    assert world.sandbox.calls["feeds"] == 0
    assert (await models.Feed.get(id=feed.pk)).last_error == result.error


async def test_an_http_error_fails_only_that_feed(world: World) -> None:
    good = await world.feed("ruby-hall-clinic")
    missing = await world.feed("metropolis-lab")
    await models.Feed.filter(id=missing.pk).update(url=f"{world.sandbox.url}/feeds/Nope.json")
    report = await world.ingest()
    by_feed = {f.feed_id: f for f in report.feeds}
    assert by_feed[good.pk].status == FeedRunStatus.SUCCEEDED
    assert by_feed[missing.pk].status == FeedRunStatus.FAILED
    assert by_feed[missing.pk].error == "fetch failed: HTTP 404"
    assert not report.ok


@asynccontextmanager
async def failing_update_of(ref: str) -> AsyncIterator[None]:
    """A database trigger that aborts any UPDATE of package ``ref``: a failure midway."""
    conn = write_connection()
    if is_postgres(conn):
        await conn.execute_script(
            "CREATE FUNCTION ingest_test_boom() RETURNS trigger AS $$ BEGIN"
            f" IF NEW.external_ref = '{ref}' THEN RAISE EXCEPTION 'boom'; END IF;"
            " RETURN NEW; END $$ LANGUAGE plpgsql;"
            " CREATE TRIGGER ingest_test_boom BEFORE UPDATE ON price_package"
            " FOR EACH ROW EXECUTE FUNCTION ingest_test_boom();"
        )
    else:
        await conn.execute_script(
            "CREATE TRIGGER ingest_test_boom BEFORE UPDATE ON price_package"
            f" WHEN NEW.external_ref = '{ref}' BEGIN SELECT RAISE(ABORT, 'boom'); END;"
        )
    try:
        yield
    finally:
        if is_postgres(conn):
            await conn.execute_script(
                "DROP TRIGGER ingest_test_boom ON price_package; DROP FUNCTION ingest_test_boom();"
            )
        else:
            await conn.execute_script("DROP TRIGGER ingest_test_boom")


async def test_a_failure_midway_through_the_writes_rolls_the_whole_feed_back(
    world: World,
) -> None:
    feed = await world.feed("x-lab-rows250-minmax100", "json")
    await world.ingest()
    before = await packages(feed)
    quarantined = await models.QuarantinedPrice.filter(feed_id=feed.pk).values()
    center = await models.DiagnosticCenter.get(id=feed.diagnostic_center_id)
    # 50 new rows (inserted first), every price 4 % up, then an UPDATE that fails.
    await models.Feed.filter(id=feed.pk).update(url=f"{world.sandbox.url}/feeds/x-lab-rows300.json")
    await world.bump("x-lab-rows300")

    async with failing_update_of("XL-000249"):
        [result] = (await world.ingest()).feeds
    assert result.status == FeedRunStatus.FAILED
    assert result.error is not None and result.error.startswith("internal error")
    assert await packages(feed) == before
    assert await models.QuarantinedPrice.filter(feed_id=feed.pk).values() == quarantined
    assert (await models.DiagnosticCenter.get(id=center.pk)).search_text == center.search_text
    assert (await models.Feed.get(id=feed.pk)).status == FeedStatus.FAILING

    [retried] = (await world.ingest()).feeds
    assert retried.status == FeedRunStatus.SUCCEEDED
    # 50 new rows, and the two rows held back before (min above max) that are sane now.
    assert (retried.inserted, len(await packages(feed))) == (52, 300)
    assert await models.QuarantinedPrice.filter(feed_id=feed.pk).count() == 0
