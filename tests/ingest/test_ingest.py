"""End to end: feeds served by the sandbox, ingested into the test database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import FeedRunStatus, FeedStatus
from hmsdesk_graph.db.statements import StatementCounter, counting
from hmsdesk_graph.sandbox.pricelists import feed_rows
from tests.ingest.conftest import World, packages


def paise(rupees: str) -> int | None:
    return int(Decimal(rupees) * 100) if rupees else None


async def test_json_feed_is_ingested_exactly(world: World) -> None:
    feed = await world.feed("ruby-hall-clinic", "json")
    report = await world.ingest()

    expected = feed_rows("ruby-hall-clinic", world.sandbox.state.seed)
    [result] = report.feeds
    assert result.status == FeedRunStatus.SUCCEEDED, result.error
    assert (result.rows_read, result.inserted, result.rejected) == (len(expected), len(expected), 0)
    stored = await packages(feed)
    assert set(stored) == {row["external_ref"] for row in expected}
    for row in expected:
        got = stored[row["external_ref"]]
        assert got["hospital_id"] == feed.hospital_id and got["diagnostic_center_id"] is None
        assert got["name"] == row["name"] and got["kind"] == row["kind"]
        assert got["ward"] == (row["ward"] or None)
        assert got["price_min_paise"] == paise(row["price_min"])
        assert got["price_max_paise"] == paise(row["price_max"])
        assert got["offer_price_paise"] == paise(row["offer_price"])
        assert got["fetched_at"] is not None
        # Valid through 31 March 2027 in India: 18:30 UTC that day.
        assert got["valid_until"] == datetime(2027, 3, 31, 18, 30, tzinfo=UTC)
    run = await models.FeedRun.get(id=result.run_id)
    assert run.status == FeedRunStatus.SUCCEEDED and run.rows_upserted == len(expected)
    assert run.report["rows"]["inserted"] == len(expected)
    refreshed = await models.Feed.get(id=feed.pk)
    assert refreshed.etag and refreshed.last_fetched_at and refreshed.status == FeedStatus.ACTIVE
    assert "ruby-hall-clinic" in report.format()


async def test_csv_lab_feed_links_lab_tests_and_center_search_text(world: World) -> None:
    feed = await world.feed("metropolis-lab", "csv")
    report = await world.ingest()

    [result] = report.feeds
    assert result.status == FeedRunStatus.SUCCEEDED, result.error
    expected = feed_rows("metropolis-lab", world.sandbox.state.seed)
    stored = await packages(feed)
    assert len(stored) == len(expected) == result.inserted
    links = await models.PackageLabTest.filter(
        package_id__in=[row["id"] for row in stored.values()]
    ).values_list("package_id", "lab_test_id")
    by_package = {package: test for package, test in links}
    for row in expected:
        if row["kind"] == "LAB_TEST":
            package_id = stored[row["external_ref"]]["id"]
            assert by_package[package_id] == world.lab_test_ids[row["lab_test_slug"]]
    center = await models.DiagnosticCenter.get(id=feed.diagnostic_center_id)
    some_test = next(row["name"] for row in expected if row["kind"] == "LAB_TEST")
    assert center.search_text is not None and some_test in center.search_text


def _texts(counter: StatementCounter) -> list[str]:
    return [s if isinstance(s, str) else s[0] for s in counter.statements]


def _writes(counter: StatementCounter) -> list[str]:
    """Statements that write price rows, their lab tests or the quarantine."""
    return [
        s
        for s in _texts(counter)
        if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and ("price_package" in s or "package_lab_test" in s or "quarantined_price" in s)
    ]


async def test_unchanged_feed_is_a_no_op_on_304_and_on_a_same_content_200(world: World) -> None:
    feed = await world.feed("x-lab-rows500-minmax50", "csv")
    first = await world.ingest()
    assert first.feeds[0].status == FeedRunStatus.SUCCEEDED
    before = await packages(feed)
    quarantine_before = await models.QuarantinedPrice.filter(feed_id=feed.pk).values()
    assert len(quarantine_before) == 10

    with counting(StatementCounter(keep_text=True)) as counter:
        again = await world.ingest()
    [not_modified] = again.feeds
    assert not_modified.status == FeedRunStatus.NOT_MODIFIED
    assert any("feed_run" in s for s in _texts(counter))  # the counter did see the run
    assert _writes(counter) == []
    assert await packages(feed) == before

    # The same bytes again without the ETag: a 200 whose content changes nothing.
    await models.Feed.filter(id=feed.pk).update(etag=None)
    with counting(StatementCounter(keep_text=True)) as counter:
        same = await world.ingest()
    [result] = same.feeds
    assert result.status == FeedRunStatus.SUCCEEDED and result.http_status == 200
    assert (result.upserted, result.unchanged, result.stale) == (0, 490, 0)
    assert len(result.quarantined) == 10
    assert any("feed_run" in s for s in _texts(counter))
    assert _writes(counter) == []
    assert await packages(feed) == before  # updated_at and fetched_at included
    assert await models.QuarantinedPrice.filter(feed_id=feed.pk).values() == quarantine_before
    run = await models.FeedRun.get(id=result.run_id)
    assert run.report["no_op"] is True and run.rows_unchanged == 490
    assert (await models.Feed.get(id=feed.pk)).etag is not None


async def test_a_bump_updates_only_the_rows_whose_values_changed(world: World) -> None:
    feed = await world.feed("x-lab-rows400", "json")
    await world.ingest()
    before = await packages(feed)
    await world.bump("x-lab-rows400")

    [result] = (await world.ingest()).feeds
    assert result.status == FeedRunStatus.SUCCEEDED
    after = await packages(feed)
    new_rows = {r["external_ref"]: r for r in feed_rows("x-lab-rows400", 42, version=1)}
    changed = {
        ref
        for ref, row in before.items()
        if row["price_min_paise"] != paise(new_rows[ref]["price_min"])
        or row["offer_price_paise"] != paise(new_rows[ref]["offer_price"])
        or row["price_max_paise"] != paise(new_rows[ref]["price_max"])
    }
    assert 0 < len(changed) < 400
    assert (result.updated, result.unchanged, result.inserted) == (
        len(changed),
        400 - len(changed),
        0,
    )
    for ref, row in after.items():
        assert row["price_min_paise"] == paise(new_rows[ref]["price_min"])
        if ref in changed:
            assert row["updated_at"] > before[ref]["updated_at"]
            assert row["fetched_at"] > before[ref]["fetched_at"]
        else:
            assert row == before[ref]


async def test_partner_filter_ingests_only_that_partners_feeds(world: World) -> None:
    mine = await world.feed("ruby-hall-clinic")
    other_partner = await models.Partner.create(slug="other", name="Other")
    other = await world.feed("metropolis-lab")
    await models.Feed.filter(id=other.pk).update(partner_id=other_partner.pk)

    report = await world.ingest(partner_id=other_partner.pk)
    assert [f.feed_id for f in report.feeds] == [other.pk]
    assert await models.PricePackage.filter(feed_id=mine.pk).count() == 0
