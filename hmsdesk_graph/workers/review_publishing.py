"""Publishing reviews once the provider's reply window has passed.

A review waits PENDING for `review_reply_window_h` so the provider can answer first; then it
is published. Publishing runs on a schedule in every server worker (ReviewPublisher) and as
`hmsdesk-graph publish-reviews`. Several publishers may run at once (uvicorn workers, a cron
job): each review is claimed by one conditional UPDATE (`... WHERE status = 'PENDING'`), so
exactly one publisher changes it and only that one performs the side effects (today: the
target's denormalised rating columns). Moderation may publish or reject a review first; the
condition then simply matches nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import ReviewStatus
from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.shared.cache_policy import Tag
from hmsdesk_graph.shared.tag_versions import bump
from hmsdesk_graph.workers.periodic import Periodic

logger = logging.getLogger("hmsdesk_graph.workers.review_publishing")

BATCH = 500


@dataclass
class PublishReport:
    """What one publishing pass did: the reviews this publisher published (no one else did)."""

    published: list[int] = field(default_factory=list)
    due: int = 0  # due when the pass looked; the rest were published or moderated by others

    def format(self) -> str:
        return f"reviews: {len(self.published)} published ({self.due} were due)"


async def publish_due_reviews(
    reply_window: timedelta, now: datetime | None = None, batch: int = BATCH
) -> PublishReport:
    """Publish every pending review older than the reply window, each exactly once."""
    moment = now or datetime.now(UTC)
    cutoff = moment - reply_window
    report = PublishReport()
    after = 0
    while True:
        # Keyset pages by id: a review another publisher claims meanwhile is skipped, not
        # revisited, and the loop ends even while new reviews keep arriving.
        rows = (
            await models.Review.filter(
                status=ReviewStatus.PENDING, created_at__lte=cutoff, id__gt=after
            )
            .order_by("id")
            .limit(batch)
            .values("id")
        )
        ids = [int(row["id"]) for row in rows]
        if not ids:
            break
        report.due += len(ids)
        won: list[int] = []
        for review_id in ids:
            claimed = await models.Review.filter(id=review_id, status=ReviewStatus.PENDING).update(
                status=ReviewStatus.PUBLISHED, published_at=moment
            )
            if claimed:
                won.append(review_id)
        await _refresh_targets(won)
        report.published.extend(won)
        after = ids[-1]
    if report.published:
        # Profiles and search show the new reviews and ratings in every worker at once.
        await bump([Tag.REVIEW, Tag.PRACTITIONER, Tag.HOSPITAL, Tag.CENTER])
        logger.info("published %d reviews", len(report.published))
    return report


async def _refresh_targets(review_ids: list[int]) -> None:
    """Recount the ratings of the targets of reviews this publisher published."""
    if not review_ids:
        return
    rows = await models.Review.filter(id__in=review_ids).values(
        "practitioner_id", "hospital_id", "diagnostic_center_id"
    )
    practitioners = sorted({r["practitioner_id"] for r in rows if r["practitioner_id"]})
    hospitals = sorted({r["hospital_id"] for r in rows if r["hospital_id"]})
    centers = sorted({r["diagnostic_center_id"] for r in rows if r["diagnostic_center_id"]})
    await refresh_search_columns(
        practitioner_ids=practitioners or None,
        hospital_ids=hospitals or None,
        center_ids=centers or None,
    )


class ReviewPublisher(Periodic):
    """Publishes due reviews every `interval_s` in the app's lifespan (0: off).

    The first pass runs one interval after start, not at once: workers that start together
    (or restart in a loop) do not all scan at the same instant.
    """

    task_name = "hmsdesk-review-publisher"
    failure_message = "publishing due reviews failed"
    first_pass_waits = True

    def __init__(self, reply_window: timedelta, interval_s: float) -> None:
        super().__init__(interval_s)
        self.reply_window = reply_window

    async def run_once(self) -> None:
        """Publish the reviews whose reply window has passed."""
        await publish_due_reviews(self.reply_window)
