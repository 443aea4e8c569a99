"""``ingest-feeds``: fetch every registered feed (bounded concurrency), validate, apply.

Per feed: a FeedRun is opened (RUNNING), the feed is fetched with its stored ETag, a 304
is recorded as NOT_MODIFIED with no price rows touched; a 200 is parsed and validated in
memory, then applied in one transaction that also closes the run. Any failure closes the
run as FAILED with the reason and sets Feed.last_error; nothing of that feed is applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TextIO

import aiohttp
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction
from yarl import URL

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.connection import write_connection
from hmsdesk_graph.db.enums import FeedRunStatus, FeedStatus
from hmsdesk_graph.db.models import Feed, FeedRun
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.ingest import store
from hmsdesk_graph.ingest.apply import apply_feed
from hmsdesk_graph.ingest.plan import Owner, Plan
from hmsdesk_graph.ingest.report import FeedReport, IngestReport
from hmsdesk_graph.ingest.rows import FeedFormat, FeedFormatError, parse_feed
from hmsdesk_graph.ops import metrics
from hmsdesk_graph.ops.progress import Progress
from hmsdesk_graph.shared.cache_policy import Tag
from hmsdesk_graph.shared.tag_versions import bump
from hmsdesk_graph.upstream.errors import ServiceTimeout, ServiceUnavailable
from hmsdesk_graph.upstream.feeds import fetch_feed, open_feed_session
from hmsdesk_graph.upstream.transport import Limits

logger = logging.getLogger("hmsdesk_graph.ingest")

# Feeds are whole price lists pulled in the background, not calls inside a user's request:
# they get a bigger size cap and a longer total time than the API's upstream defaults.
FEED_MAX_BYTES = 64 * 1024 * 1024
FEED_TOTAL_TIMEOUT_S = 120.0
FEED_READ_TIMEOUT_S = 30.0
# A feed where more than this share of rows is invalid is broken as a whole: apply nothing.
MAX_REJECTED_SHARE = 0.5
# A RUNNING run older than this belongs to a process that died; it is closed as FAILED.
ABANDONED_AFTER = timedelta(hours=2)
MAX_ETAG_LENGTH = 200  # feed.etag's column


class IngestFailure(Exception):
    """The feed cannot be applied; the message is safe to store and show."""


@dataclass(frozen=True, slots=True)
class FeedInfo:
    id: int
    url: str
    format: FeedFormat
    etag: str | None
    owner: Owner | None  # None unless exactly one of hospital / center is set
    owner_label: str


async def load_feeds(partner_id: int | None = None) -> list[FeedInfo]:
    """The feeds to pull (all but DISABLED), optionally of one partner, in id order."""
    q = SqlBuilder(write_connection())
    where = [f"f.status <> {q.p(FeedStatus.DISABLED.value)}"]
    if partner_id is not None:
        where.append(f"f.partner_id = {q.p(partner_id)}")
    rows = await q.fetch(
        "SELECT f.id, f.url, f.format, f.etag, f.hospital_id, f.diagnostic_center_id,"
        " h.slug AS hospital_slug, c.slug AS center_slug FROM feed f"
        " LEFT JOIN hospital h ON h.id = f.hospital_id"
        " LEFT JOIN diagnostic_center c ON c.id = f.diagnostic_center_id"
        f" WHERE {' AND '.join(where)} ORDER BY f.id"
    )
    feeds = []
    for row in rows:
        hospital, center = row["hospital_id"], row["diagnostic_center_id"]
        single = (hospital is None) != (center is None)
        feeds.append(
            FeedInfo(
                id=int(row["id"]),
                url=str(row["url"]),
                format="csv" if row["format"] == "CSV" else "json",
                etag=row["etag"],
                owner=Owner(hospital, center) if single else None,
                owner_label=str(row["hospital_slug"] or row["center_slug"] or "-"),
            )
        )
    return feeds


def feed_limits(settings: Settings, max_bytes: int, total_timeout_s: float) -> Limits:
    base = Limits.from_settings(settings)
    return Limits(
        connect_s=base.connect_s,
        read_s=max(base.read_s, FEED_READ_TIMEOUT_S),
        total_s=max(base.total_s, total_timeout_s),
        max_bytes=max_bytes,
        max_attempts=base.max_attempts,
    )


class _Gauge:
    """How many feeds are in flight, and the most at once (reported, and tested)."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0

    @asynccontextmanager
    async def inside(self) -> AsyncIterator[None]:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            yield
        finally:
            self.now -= 1


async def ingest_feeds(
    settings: Settings,
    partner_id: int | None = None,
    concurrency: int = 4,
    out: TextIO = sys.stderr,
    *,
    max_bytes: int = FEED_MAX_BYTES,
    total_timeout_s: float = FEED_TOTAL_TIMEOUT_S,
) -> IngestReport:
    """Ingest every registered feed (or one partner's), at most ``concurrency`` at a time.

    Tortoise must already be open (``open_database``). Progress goes to ``out``; the
    per-feed report is returned (``report.format()``), never printed here.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    started = time.perf_counter()
    await _close_abandoned_runs()
    feeds = await load_feeds(partner_id)
    lab_tests = await store.load_lab_tests(write_connection())
    limits = feed_limits(settings, max_bytes, total_timeout_s)
    slots = asyncio.Semaphore(concurrency)
    gauge = _Gauge()
    report = IngestReport(concurrency=concurrency)
    with Progress("ingest-feeds", len(feeds), stream=out, unit="feeds") as progress:
        async with open_feed_session(settings) as session:
            inputs = RunInputs(session, limits, lab_tests)

            async def one(feed: FeedInfo) -> FeedReport:
                async with slots, gauge.inside():
                    result = await ingest_one(inputs, feed)
                progress.advance()
                return result

            report.feeds = list(await asyncio.gather(*(one(feed) for feed in feeds)))
    if feeds:
        # Prices changed in another process: cached answers showing prices go, in every worker.
        await bump([Tag.PRICE])
    report.seconds = time.perf_counter() - started
    report.peak_concurrency = gauge.peak
    return report


@dataclass(frozen=True)
class RunInputs:
    """What every feed of one run is fetched and read with."""

    session: aiohttp.ClientSession
    limits: Limits
    lab_tests: dict[str, int]  # id by slug


async def ingest_one(inputs: RunInputs, feed: FeedInfo) -> FeedReport:
    """Fetch, validate and apply one feed; every outcome ends in a closed FeedRun."""
    started = time.perf_counter()
    run = await FeedRun.create(feed_id=feed.id, started_at=datetime.now(UTC))
    report = FeedReport(feed.id, run.pk, feed.owner_label, feed.format)
    try:
        await _ingest(inputs, feed, report, started)
    except asyncio.CancelledError:
        report.error = "interrupted"
        # A second cancel (Ctrl-C twice, or the loop cancelling again) must not orphan the
        # write that closes this run: wait for it through every further cancel.
        closing = asyncio.ensure_future(_record_failure(feed, report, started))
        while not closing.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(closing)
        closing.result()
        metrics.feed_run(report.status.value)
        raise
    except IngestFailure as exc:
        report.error = str(exc)
    except FeedFormatError as exc:
        report.error = f"unreadable feed: {exc}"
    except (ServiceUnavailable, ServiceTimeout) as exc:
        report.error = f"fetch failed: {exc.reason}"
    except Exception as exc:  # one broken feed must not stop the others
        logger.exception("feed %d: ingestion failed", feed.id)
        report.error = f"internal error ({type(exc).__name__})"
    if report.error is not None:
        await _record_failure(feed, report, started)
    metrics.feed_run(report.status.value)
    return report


async def _ingest(inputs: RunInputs, feed: FeedInfo, report: FeedReport, started: float) -> None:
    if feed.owner is None:
        raise IngestFailure("feed must belong to exactly one hospital or diagnostic center")
    owner = feed.owner
    if URL(feed.url).scheme not in ("http", "https"):
        raise IngestFailure("feed URL must be http:// or https://")
    response = await fetch_feed(inputs.session, feed.url, feed.etag, limits=inputs.limits)
    report.fetch_s = time.perf_counter() - started
    now = response.fetched_at
    report.etag = response.etag
    if response.not_modified:
        report.http_status = 304
        report.status = FeedRunStatus.NOT_MODIFIED
        report.seconds = time.perf_counter() - started
        await _record_not_modified(feed, report, now)
        return
    report.http_status = 200
    report.bytes = len(response.body)
    if response.format is not None and response.format != feed.format:
        raise IngestFailure(f"feed is registered as {feed.format} but the server sent another type")
    parse_started = time.perf_counter()
    parsed = await parse_feed(response.body, feed.format, inputs.lab_tests, now)
    report.parse_s = time.perf_counter() - parse_started
    report.rows_read, report.rejected, report.errors = (
        parsed.read,
        len(parsed.errors),
        parsed.errors,
    )
    if parsed.read == 0:
        raise IngestFailure("feed lists no rows; stored prices kept as they are")
    if len(parsed.errors) > parsed.read * MAX_REJECTED_SHARE:
        raise IngestFailure(f"{len(parsed.errors)} of {parsed.read} rows are invalid")
    apply_started = time.perf_counter()

    async def finish(conn: BaseDBAsyncClient, plan: Plan) -> None:
        report.inserted, report.updated = len(plan.inserts), len(plan.updates)
        report.unchanged, report.stale = plan.unchanged, len(plan.stale_ids)
        report.quarantined = plan.quarantined
        report.status = FeedRunStatus.SUCCEEDED
        report.apply_s = time.perf_counter() - apply_started
        report.seconds = time.perf_counter() - started
        await _close_run(conn, report)
        await (
            Feed.filter(id=feed.id)
            .using_db(conn)
            .update(
                etag=response.etag,
                status=FeedStatus.ACTIVE,
                last_error=None,
                last_fetched_at=now,
            )
        )

    await apply_feed(feed.id, report.run_id, owner, parsed, now, finish)


def _storable_etag(etag: str | None) -> str | None:
    # An ETag longer than the column is dropped (the next run fetches in full) rather than
    # failing the feed over a cache hint.
    return etag if etag is not None and len(etag) <= MAX_ETAG_LENGTH else None


async def _close_run(conn: BaseDBAsyncClient, report: FeedReport) -> None:
    await (
        FeedRun.filter(id=report.run_id)
        .using_db(conn)
        .update(
            status=report.status,
            finished_at=datetime.now(UTC),
            rows_read=report.rows_read,
            rows_upserted=report.upserted,
            rows_rejected=report.rejected,
            rows_quarantined=len(report.quarantined),
            rows_unchanged=report.unchanged,
            rows_stale=report.stale,
            error=report.error,
            report=report.to_json(),
        )
    )


async def _record_not_modified(feed: FeedInfo, report: FeedReport, now: datetime) -> None:
    async with in_transaction("default") as conn:
        await _close_run(conn, report)
        await (
            Feed.filter(id=feed.id)
            .using_db(conn)
            .update(status=FeedStatus.ACTIVE, last_error=None, last_fetched_at=now)
        )


async def _record_failure(feed: FeedInfo, report: FeedReport, started: float) -> None:
    # Counts of what was read stay in the report; nothing of the feed was applied.
    report.status = FeedRunStatus.FAILED
    report.inserted = report.updated = report.unchanged = report.stale = 0
    report.quarantined = []
    report.seconds = time.perf_counter() - started
    async with in_transaction("default") as conn:
        await _close_run(conn, report)
        await (
            Feed.filter(id=feed.id)
            .using_db(conn)
            .update(status=FeedStatus.FAILING, last_error=report.error)
        )


async def _close_abandoned_runs() -> None:
    cutoff = datetime.now(UTC) - ABANDONED_AFTER
    await FeedRun.filter(status=FeedRunStatus.RUNNING, started_at__lt=cutoff).update(
        status=FeedRunStatus.FAILED, finished_at=datetime.now(UTC), error="abandoned"
    )
