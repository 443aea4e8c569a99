"""Where a price came from and how fresh it is.

`PricePackage` itself lives in `schema/providers.py`: it points back at its provider (a union of
the provider types, which list their packages), so it shares their module rather than forming
an import cycle with it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import Enum

import strawberry

from hmsdesk_graph.db import models
from hmsdesk_graph.loaders.prices import FeedSource

# A price fetched longer ago than this is shown as stale even before its valid-until.
STALE_AFTER = timedelta(days=30)


@strawberry.enum(description="How current a price is.")
class PriceFreshness(Enum):
    FRESH = strawberry.enum_value(
        "FRESH", description="Confirmed within 30 days and not past its valid-until date."
    )
    STALE = strawberry.enum_value(
        "STALE", description="Past its valid-until date, or last confirmed over 30 days ago."
    )
    UNKNOWN = strawberry.enum_value(
        "UNKNOWN", description="Nobody said when this price was true: ask before relying on it."
    )


@strawberry.enum(description="Who provided a price.")
class PriceOrigin(Enum):
    PARTNER_FEED = strawberry.enum_value(
        "PARTNER_FEED", description="The partner's price feed, fetched by HMSDESK."
    )
    PARTNER = strawberry.enum_value(
        "PARTNER", description="Entered by the partner that manages the listing."
    )
    LISTING = strawberry.enum_value(
        "LISTING",
        description="Held by HMSDESK for the listing (practice fees, collected price lists).",
    )


@strawberry.type(description="Where a price came from and how fresh it is.")
class PriceSource:
    origin: PriceOrigin
    partner: str | None = strawberry.field(
        description="The partner that provided the price (feed or entry); null for LISTING."
    )
    fetched_at: datetime | None = strawberry.field(
        description="When the provider last confirmed the price; null when nobody said."
    )
    valid_until: datetime | None
    freshness: PriceFreshness
    stale: bool = strawberry.field(
        description="True only when STALE: false also for a price of UNKNOWN freshness.",
        deprecation_reason="Use `freshness`: a price without a date is UNKNOWN, not fresh.",
    )


def freshness(
    valid_until: datetime | None, fetched_at: datetime | None, now: datetime
) -> PriceFreshness:
    """FRESH, STALE or UNKNOWN: a price with no date is never called fresh."""
    if valid_until is not None and valid_until < now:
        return PriceFreshness.STALE
    if fetched_at is None:
        return PriceFreshness.UNKNOWN
    return PriceFreshness.STALE if now - fetched_at > STALE_AFTER else PriceFreshness.FRESH


def price_source(
    row: models.PricePackage, feed: FeedSource | None, listing_partner: str | None
) -> PriceSource:
    """Where a package's price came from, given its feed and (for partner entries) the
    listing's partner; shared by the resolver and the compiled path."""
    # An unchanged price keeps its row's fetched_at; the feed's last fetch confirms it.
    fetched = row.fetched_at
    confirmed = feed.last_fetched_at if feed is not None else None
    if confirmed and (not fetched or confirmed > fetched):
        fetched = confirmed
    partner: str | None = None
    if feed is not None:
        origin, partner = PriceOrigin.PARTNER_FEED, feed.partner
    elif row.external_ref is not None:
        # upsertPricePackages keys a partner's entries by externalRef; only the listing's
        # own partner may write them.
        origin, partner = PriceOrigin.PARTNER, listing_partner
    else:
        origin = PriceOrigin.LISTING
    state = freshness(row.valid_until, fetched, datetime.now(UTC))
    return PriceSource(
        origin=origin,
        partner=partner,
        fetched_at=fetched,
        valid_until=row.valid_until,
        freshness=state,
        stale=state is PriceFreshness.STALE,  # unchanged meaning, deprecated
    )
