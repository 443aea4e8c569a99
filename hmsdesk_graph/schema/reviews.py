"""Review summaries and the parts of a review. A review's author is only ever a display name.

`Review` itself lives in `schema/providers.py`: its `target` is a provider (whose `reviews` list
it), so it shares their module rather than forming an import cycle with it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db.enums import ReviewStatus, TargetKind
from hmsdesk_graph.loaders.reviews import RatingCounts, TargetKey

strawberry.enum(ReviewStatus)

# Below this many answers a percentage says more about chance than about the provider.
MIN_RECOMMENDATIONS_FOR_PERCENT = 10
_CENT = Decimal("0.01")


def mean_rating(rating_sum: int, count: int) -> Decimal | None:
    """The exact mean rating, two decimals (half up); None without ratings."""
    return (Decimal(rating_sum) / count).quantize(_CENT, ROUND_HALF_UP) if count else None


def percent_recommended(recommended: int, count: int) -> int | None:
    """Whole percent (half up) of reviews that recommend; None below
    MIN_RECOMMENDATIONS_FOR_PERCENT reviews."""
    if count < MIN_RECOMMENDATIONS_FOR_PERCENT:
        return None
    return int((Decimal(recommended * 100) / count).quantize(Decimal(1), ROUND_HALF_UP))


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
        return cls(
            count=n,
            average=mean_rating(counts.rating_sum, n),
            recommend_percent=percent_recommended(counts.recommend, n),
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


# Shown instead of the name while the author's account is deactivated.
HIDDEN_AUTHOR = "Verified patient"


async def review_summary(info: Info, kind: TargetKind, target_id: int) -> ReviewSummary:
    """The summary of one target's published reviews (batched per request)."""
    counts = await info.context.loaders.review_summary_by_target.load(TargetKey(kind, target_id))
    return ReviewSummary.from_counts(counts)
