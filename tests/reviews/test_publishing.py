"""Reviews publish after the reply window: on a schedule, by CLI, exactly once per review."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from hmsdesk_graph.app import create_app
from hmsdesk_graph.config import Settings, load_settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.db.enums import ReviewStatus, TargetKind
from hmsdesk_graph.workers.review_publishing import publish_due_reviews
from tests.conftest import GraphQLClient, base_settings
from tests.factories import PROFILE_RATINGS, Dataset, build_dataset

ROOT = Path(__file__).resolve().parents[2]
WINDOW = timedelta(hours=72)
SUMMARY = """query($slug: String!) { practitioner(slug: $slug) { reviewSummary { count } } }"""
FACTORY_PENDING = 2  # build_dataset's two old pending reviews of the profile practitioner


async def _add_reviews(ds: Dataset, due: int, fresh: int) -> tuple[set[int], set[int]]:
    """`due` pending reviews past the window (practitioner and hospital), `fresh` within it."""
    now = datetime.now(UTC)
    rows = []
    for n in range(due + fresh):
        target: dict[str, Any] = (
            {"target_kind": TargetKind.PRACTITIONER, "practitioner_id": ds.profile_id}
            if n % 2 == 0
            else {"target_kind": TargetKind.HOSPITAL, "hospital_id": ds.hospital_id}
        )
        age = WINDOW + timedelta(hours=1 + n) if n < due else timedelta(hours=1)
        rows.append(
            await models.Review.create(
                rating=4,
                recommend=True,
                author_display_name="Verified patient",
                status=ReviewStatus.PENDING,
                **target,
            )
        )
        # created_at is auto_now_add: age it afterwards.
        await models.Review.filter(id=rows[-1].pk).update(created_at=now - age)
    ids = [r.pk for r in rows]
    old = set(
        await models.Review.filter(status=ReviewStatus.PENDING, text="pending").values_list(
            "id", flat=True
        )
    )
    return set(ids[:due]) | old, set(ids[due:])


async def _count(gql: GraphQLClient, slug: str) -> int:
    body = await gql.execute(SUMMARY, {"slug": slug})
    count: int = body["data"]["practitioner"]["reviewSummary"]["count"]
    return count


async def test_concurrent_publishers_publish_each_due_review_once(
    gql: GraphQLClient, dataset: Dataset
) -> None:
    due, fresh = await _add_reviews(dataset, due=40, fresh=3)
    assert len(due) == 40 + FACTORY_PENDING
    assert await _count(gql, dataset.profile_slug) == len(PROFILE_RATINGS)

    reports = await asyncio.gather(*(publish_due_reviews(WINDOW, batch=7) for _ in range(4)))

    published = [i for r in reports for i in r.published]
    assert sorted(published) == sorted(due)  # every due review, none twice
    rows = await models.Review.filter(id__in=list(due | fresh)).values("id", "status")
    status = {r["id"]: r["status"] for r in rows}
    assert {status[i] for i in due} == {ReviewStatus.PUBLISHED}
    assert {status[i] for i in fresh} == {ReviewStatus.PENDING}
    # Published through the API and counted in the target's denormalised rating.
    profile_due = await models.Review.filter(id__in=list(due), practitioner_id=dataset.profile_id)
    assert await _count(gql, dataset.profile_slug) == len(PROFILE_RATINGS) + len(profile_due)
    # A second pass finds nothing left to do.
    again = await publish_due_reviews(WINDOW)
    assert (again.published, again.due) == ([], 0)


def _publish_cli(settings: Settings) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HMSDESK_")}
    env.update({"HMSDESK_DATABASE_URL": settings.database_url, "HMSDESK_ENV": "test"})
    return subprocess.Popen(
        [sys.executable, "-m", "hmsdesk_graph", "publish-reviews"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


async def test_two_cli_processes_publish_each_due_review_once(db: Settings) -> None:
    dataset = await build_dataset(FieldCipher(db.field_encryption_key))
    due, fresh = await _add_reviews(dataset, due=60, fresh=2)

    processes = [_publish_cli(db), _publish_cli(db)]
    outputs = [await asyncio.to_thread(p.communicate, timeout=120) for p in processes]

    counts = []
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        match = re.fullmatch(r"reviews: (\d+) published \(\d+ were due\)\n", out)
        assert match, out
        counts.append(int(match.group(1)))
    assert sum(counts) == len(due)
    assert await models.Review.filter(id__in=list(due), status=ReviewStatus.PUBLISHED).count() == (
        len(due)
    )
    assert await models.Review.filter(id__in=list(fresh), status=ReviewStatus.PENDING).count() == 2


@pytest.fixture
async def quick_app(database_url: str) -> AsyncIterator[Any]:
    """The app with a publisher that runs every 50 ms."""
    settings = base_settings(database_url=database_url, review_publish_interval_s=0.05)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def test_the_server_publishes_due_reviews_on_its_own(quick_app: Any) -> None:
    transport = httpx.ASGITransport(app=quick_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        gql = GraphQLClient(http)
        dataset = await build_dataset(FieldCipher(quick_app.state.settings.field_encryption_key))
        publisher = quick_app.state.review_publisher
        expected = len(PROFILE_RATINGS) + FACTORY_PENDING
        for _ in range(400):  # the worker's pace is not asserted, only that it gets there
            if publisher.passes >= 2 and await _count(gql, dataset.profile_slug) == expected:
                break
            await asyncio.sleep(0.05)
        assert await _count(gql, dataset.profile_slug) == expected
        pending = await models.Review.filter(status=ReviewStatus.PENDING).count()
        assert pending == 0


def test_the_publishing_interval_is_a_setting() -> None:
    assert base_settings().review_publish_interval_s == 300.0

    assert load_settings({"HMSDESK_REVIEW_PUBLISH_INTERVAL_S": "0"}).review_publish_interval_s == 0
