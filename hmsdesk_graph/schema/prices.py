"""Price packages: what a provider charges, as the provider (or its partner feed) gave it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import TargetKind
from hmsdesk_graph.loaders.prices import PackagesKey
from hmsdesk_graph.pagination import check_first
from hmsdesk_graph.schema.catalog import LabTest
from hmsdesk_graph.schema.enums import CareSetting, PackageKind, Ward
from hmsdesk_graph.schema.money import PriceRange, rupees
from hmsdesk_graph.schema.node import Node, to_global_id

if TYPE_CHECKING:
    from hmsdesk_graph.schema.providers import Provider

# A price fetched longer ago than this is shown as stale even before its valid-until.
STALE_AFTER = timedelta(days=30)


@strawberry.type(description="Where a price came from and how fresh it is.")
class PriceSource:
    partner: str | None
    fetched_at: datetime | None
    valid_until: datetime | None
    stale: bool


def _is_stale(valid_until: datetime | None, fetched_at: datetime | None, now: datetime) -> bool:
    if valid_until is not None and valid_until < now:
        return True
    return fetched_at is not None and now - fetched_at > STALE_AFTER


@strawberry.type(description="A priced service of one provider (consultation, test, procedure…).")
class PricePackage(Node):
    name: str
    kind: PackageKind
    ward: Ward | None
    setting: CareSetting | None
    procedure: str | None
    price: PriceRange
    list_price: Decimal | None
    offer_price: Decimal | None
    length_of_stay_days: int | None
    _row: strawberry.Private[models.PricePackage]

    @classmethod
    def from_row(cls, row: models.PricePackage) -> PricePackage:
        return cls(
            id=to_global_id("PricePackage", row.pk),
            name=row.name,
            kind=row.kind,
            ward=row.ward,
            setting=row.setting,
            procedure=row.procedure,
            price=PriceRange(
                min=rupees(row.price_min_paise),
                max=rupees(row.price_max_paise),
                currency=row.currency,
                approximate=row.approximate,
            ),
            list_price=None if row.list_price_paise is None else rupees(row.list_price_paise),
            offer_price=None if row.offer_price_paise is None else rupees(row.offer_price_paise),
            length_of_stay_days=row.length_of_stay_days,
            _row=row,
        )

    @strawberry.field(description="The practitioner, hospital or diagnostic center.")
    async def provider(
        self, info: Info
    ) -> Annotated[Provider, strawberry.lazy("hmsdesk_graph.schema.providers")] | None:
        from hmsdesk_graph.schema.providers import load_provider

        row = self._row
        return await load_provider(
            info, row.practitioner_id, row.hospital_id, row.diagnostic_center_id
        )

    @strawberry.field(description="Lab tests included in the package.")
    async def includes(self, info: Info) -> list[LabTest]:
        return [
            LabTest.from_row(t)
            for t in await info.context.loaders.lab_tests_by_package_id.load(self._row.pk)
        ]

    @strawberry.field
    async def source(self, info: Info) -> PriceSource:
        row = self._row
        feed = (
            await info.context.loaders.feed_source_by_id.load(row.feed_id) if row.feed_id else None
        )
        # An unchanged price keeps its row's fetched_at; the feed's last fetch confirms it.
        fetched = row.fetched_at
        if (
            feed is not None
            and feed.last_fetched_at
            and (not fetched or feed.last_fetched_at > fetched)
        ):
            fetched = feed.last_fetched_at
        return PriceSource(
            partner=feed.partner if feed else None,
            fetched_at=fetched,
            valid_until=row.valid_until,
            stale=_is_stale(row.valid_until, fetched, datetime.now(UTC)),
        )


async def package_list(
    info: Info,
    owner_kind: TargetKind,
    owner_id: int,
    kind: PackageKind | None,
    ward: Ward | None,
    first: int | None,
) -> list[PricePackage]:
    """An owner's cheapest packages, optionally of one kind and ward (batched per request)."""
    size = check_first(first, info.context.settings)
    key = PackagesKey(owner_kind, owner_id, kind, ward, size)
    return [
        PricePackage.from_row(p) for p in await info.context.loaders.packages_by_owner.load(key)
    ]
