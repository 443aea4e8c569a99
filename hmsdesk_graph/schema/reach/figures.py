"""Reach dashboard figures: funnels, daily series, reputation, data quality, benchmarks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db.enums import EventKind
from hmsdesk_graph.reach.benchmark import Benchmark
from hmsdesk_graph.reach.funnel import DateRange, Funnel
from hmsdesk_graph.reach.quality import Quality
from hmsdesk_graph.reach.reputation import Reputation, WeekRatings, weeks_of
from hmsdesk_graph.schema.catalog import Locality, Specialty
from hmsdesk_graph.schema.columns import columns
from hmsdesk_graph.schema.linked import linked
from hmsdesk_graph.schema.money import rupees_or_none
from hmsdesk_graph.schema.reviews import (
    MIN_RECOMMENDATIONS_FOR_PERCENT,
    mean_rating,
    percent_recommended,
)


@strawberry.type(description="What patients did with listings (exact counts) and the rates.")
class ReachFunnel:
    organic_impressions: int
    sponsored_impressions: int
    impressions: int
    profile_views: int
    contact_reveals: int
    bookings_requested: int
    bookings_honoured: int
    click_through_rate: float | None = strawberry.field(
        description="Profile views / impressions; null without impressions."
    )
    conversion_rate: float | None = strawberry.field(
        description="Bookings requested / profile views; null without views."
    )
    average_position: float | None = strawberry.field(
        description="Mean organic position on first pages (1 = top); null when none."
    )

    @classmethod
    def of(cls, f: Funnel) -> ReachFunnel:
        return cls(
            organic_impressions=f.count(EventKind.IMPRESSION),
            sponsored_impressions=f.count(EventKind.SPONSORED_IMPRESSION),
            impressions=f.impressions,
            profile_views=f.count(EventKind.PROFILE_VIEW),
            contact_reveals=f.count(EventKind.CONTACT_REVEAL),
            bookings_requested=f.count(EventKind.BOOKING_REQUESTED),
            bookings_honoured=f.count(EventKind.BOOKING_HONOURED),
            click_through_rate=f.click_through,
            conversion_rate=f.conversion,
            average_position=f.average_position,
        )


@strawberry.type(description="One IST calendar day of a funnel.")
class ReachDay:
    day: date
    funnel: ReachFunnel

    @classmethod
    def series(cls, days: list[tuple[date, Funnel]]) -> list[ReachDay]:
        return [cls(day=day, funnel=ReachFunnel.of(f)) for day, f in days]


@strawberry.type(description="Published reviews created in one week (Monday to Sunday, IST).")
class RatingWeek:
    week_starting: date
    reviews: int
    average_rating: Decimal | None


@strawberry.type(description="Published reviews in the range, and replies still owed.")
class ReachReputation:
    reviews: int
    average_rating: Decimal | None
    recommend_percent: int | None = strawberry.field(
        description=f"Null below {MIN_RECOMMENDATIONS_FOR_PERCENT} reviews."
    )
    reply_rate: float | None = strawberry.field(
        description="Share of the range's published reviews that have a reply."
    )
    awaiting_reply: int = strawberry.field(
        description="Reviews (pending or published, any date) without a reply, now."
    )
    weekly: list[RatingWeek]

    @classmethod
    def of(cls, rep: Reputation, span: DateRange) -> ReachReputation:
        n = rep.reviews
        weeks = []
        for monday in weeks_of(span):
            week = rep.weeks.get(monday, WeekRatings())
            weeks.append(
                RatingWeek(
                    week_starting=monday,
                    reviews=week.reviews,
                    average_rating=mean_rating(week.rating_sum, week.reviews),
                )
            )
        return cls(
            reviews=n,
            average_rating=mean_rating(rep.rating_sum, n),
            recommend_percent=percent_recommended(rep.recommended, n),
            reply_rate=round(rep.replied / n, 4) if n else None,
            awaiting_reply=rep.awaiting_reply,
            weekly=weeks,
        )


@strawberry.type(description="An accreditation already expired or expiring within 60 days.")
class ExpiringAccreditation:
    listing: str
    name: str
    valid_until: date
    expired: bool


@strawberry.type(description="A practitioner whose registration status is EXPIRED.")
class ExpiredPractitioner:
    name: str
    slug: str


@strawberry.type(description="What to fix so patients see true information.")
class ReachDataQuality:
    prices: int
    stale_prices: int = strawberry.field(
        description="Prices past their valid-until or fetched more than 30 days ago."
    )
    expiring_accreditations: list[ExpiringAccreditation]
    expired_practitioners: list[ExpiredPractitioner]

    @classmethod
    def of(cls, q: Quality) -> ReachDataQuality:
        return cls(
            prices=q.prices,
            stale_prices=q.stale_prices,
            expiring_accreditations=[
                ExpiringAccreditation(
                    listing=a.listing, name=a.name, valid_until=a.valid_until, expired=a.expired
                )
                for a in q.expiring
            ],
            expired_practitioners=[
                ExpiredPractitioner(name=p.name, slug=p.slug) for p in q.expired
            ],
        )


@strawberry.type(
    description="A listing against its locality x specialty peers; figures are null (with the"
    " reason) for groups smaller than 5."
)
class PeerBenchmark:
    peers: int | None
    fee: Decimal | None
    median_fee: Decimal | None
    fee_percentile: int | None = strawberry.field(
        description="Percent of peers whose fee is lower (ties count half)."
    )
    rating: Decimal | None
    median_rating: Decimal | None
    suppressed_reason: str | None
    _locality_id: strawberry.Private[int | None]
    _specialty_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, b: Benchmark) -> PeerBenchmark:
        return cls(
            **columns(b, "peers", "fee_percentile", "rating", "median_rating", "suppressed_reason"),
            fee=rupees_or_none(b.fee_paise),
            median_fee=rupees_or_none(b.median_fee_paise),
            _locality_id=b.locality_id,
            _specialty_id=b.specialty_id,
        )

    @strawberry.field(description="The locality compared within.")
    async def locality(self, info: Info) -> Locality | None:
        loader = info.context.loaders.locality_by_id
        return await linked(loader, self._locality_id, Locality.from_row)

    @strawberry.field(description="The specialty compared within (null: any).")
    async def specialty(self, info: Info) -> Specialty | None:
        loader = info.context.loaders.specialty_by_id
        return await linked(loader, self._specialty_id, Specialty.from_row)
