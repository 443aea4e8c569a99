"""Reviews and their summaries. A review's author is only ever a display name."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import ReviewStatus, TargetKind
from hmsdesk_graph.loaders.reviews import RatingCounts, ReviewsKey, TargetKey
from hmsdesk_graph.pagination import scope_of
from hmsdesk_graph.schema.connection import Connection, make_connection
from hmsdesk_graph.schema.enums import WaitTime
from hmsdesk_graph.schema.node import Node, to_global_id

if TYPE_CHECKING:
    from hmsdesk_graph.schema.providers import Provider

strawberry.enum(ReviewStatus)

# Below this many answers a percentage says more about chance than about the provider.
MIN_RECOMMENDATIONS_FOR_PERCENT = 10


@strawberry.type(description="How many published reviews gave a rating.")
class RatingCount:
    rating: int
    count: int


@strawberry.type(description="Published reviews of a provider, summarised.")
class ReviewSummary:
    count: int
    average: Decimal | None = strawberry.field(description="Exact mean rating, two decimals.")
    recommend_percent: int | None = strawberry.field(
        description=f"Null below {MIN_RECOMMENDATIONS_FOR_PERCENT} reviews."
    )
    distribution: list[RatingCount]

    @classmethod
    def from_counts(cls, counts: RatingCounts) -> ReviewSummary:
        n = counts.count
        average = (
            (Decimal(counts.rating_sum) / n).quantize(Decimal("0.01"), ROUND_HALF_UP) if n else None
        )
        percent = (
            int((Decimal(counts.recommend * 100) / n).quantize(Decimal(1), ROUND_HALF_UP))
            if n >= MIN_RECOMMENDATIONS_FOR_PERCENT
            else None
        )
        return cls(
            count=n,
            average=average,
            recommend_percent=percent,
            distribution=[
                RatingCount(rating=star, count=counts.by_rating.get(star, 0))
                for star in (5, 4, 3, 2, 1)
            ],
        )


@strawberry.type(description="Who wrote a review, as shown to everyone.")
class ReviewAuthor:
    display_name: str
    verified_patient: bool


@strawberry.type(description="The provider's public answer to a review.")
class ReviewReply:
    text: str
    replied_at: datetime | None


@strawberry.type(description="A published patient review.")
class Review(Node):
    rating: int
    recommend: bool
    tags: list[str]
    wait_time: WaitTime | None
    text: str
    created_at: datetime
    status: ReviewStatus = strawberry.field(
        description="Always PUBLISHED in public lists; the author sees their own in any status."
    )
    author: ReviewAuthor
    reply: ReviewReply | None
    _row: strawberry.Private[models.Review]

    @classmethod
    def from_row(cls, row: models.Review) -> Review:
        return cls(
            id=to_global_id("Review", row.pk),
            rating=row.rating,
            recommend=row.recommend,
            tags=list(row.tags),
            wait_time=row.wait_time,
            text=row.text,
            created_at=row.created_at,
            status=row.status,
            author=ReviewAuthor(
                display_name=row.author_display_name, verified_patient=row.verified_patient
            ),
            reply=ReviewReply(text=row.reply_text, replied_at=row.replied_at)
            if row.reply_text
            else None,
            _row=row,
        )

    @strawberry.field(description="The practitioner, hospital or diagnostic center reviewed.")
    async def target(
        self, info: Info
    ) -> Annotated[Provider, strawberry.lazy("hmsdesk_graph.schema.providers")] | None:
        from hmsdesk_graph.schema.providers import load_provider

        row = self._row
        return await load_provider(
            info, row.practitioner_id, row.hospital_id, row.diagnostic_center_id
        )


async def review_summary(info: Info, kind: TargetKind, target_id: int) -> ReviewSummary:
    """The summary of one target's published reviews (batched per request)."""
    counts = await info.context.loaders.review_summary_by_target.load(TargetKey(kind, target_id))
    return ReviewSummary.from_counts(counts)


async def review_page(
    info: Info, kind: TargetKind, target_id: int, first: int | None, after: str | None
) -> Connection[Review]:
    """A page of one target's published reviews, newest first."""
    ctx = info.context
    scope = scope_of("reviews", kind=kind.value, target=target_id)
    page = ctx.cursors.page(scope, first, after, ctx.settings)
    rows = await ctx.loaders.reviews_by_target.load(
        ReviewsKey(kind, target_id, page.first, page.after)
    )

    async def count() -> int:
        return (await ctx.loaders.review_summary_by_target.load(TargetKey(kind, target_id))).count

    return make_connection(
        rows,
        page,
        scope=scope,
        codec=ctx.cursors,
        key=lambda r: (r.created_at, r.pk),
        node=Review.from_row,
        count=count,
    )
