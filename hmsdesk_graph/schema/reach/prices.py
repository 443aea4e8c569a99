"""The `upsertPricePackages` input and payload."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from hmsdesk_graph.db.enums import CareSetting, PackageKind, Ward
from hmsdesk_graph.reach.prices import PackageDraft
from hmsdesk_graph.schema.providers import PricePackage


@strawberry.input(description='One package of your price list; prices in rupees, e.g. "1250.50".')
class PricePackageInput:
    external_ref: str = strawberry.field(
        description="Your own key for this package: sending it again updates the package."
    )
    name: str
    kind: PackageKind
    price_min: Decimal
    price_max: Decimal
    ward: Ward | None = None
    setting: CareSetting | None = None
    procedure: str | None = strawberry.field(default=None, description="Procedure slug.")
    list_price: Decimal | None = None
    offer_price: Decimal | None = None
    approximate: bool = True
    length_of_stay_days: int | None = None
    lab_tests: list[str] = strawberry.field(
        default_factory=list, description="Lab test slugs (LAB_TEST and HEALTH_PACKAGE need one)."
    )
    valid_until: date | None = strawberry.field(
        default=None, description="Last day (in India) the price holds."
    )

    def draft(self) -> PackageDraft:
        return PackageDraft(
            external_ref=self.external_ref.strip(),
            name=self.name,
            kind=self.kind,
            price_min=self.price_min,
            price_max=self.price_max,
            ward=self.ward,
            setting=self.setting,
            procedure=self.procedure,
            list_price=self.list_price,
            offer_price=self.offer_price,
            approximate=self.approximate,
            length_of_stay_days=self.length_of_stay_days,
            lab_tests=list(dict.fromkeys(self.lab_tests)),
            valid_until=self.valid_until,
        )


@strawberry.input(description="Packages for one of your listings: all are saved, or none.")
class UpsertPricePackagesInput:
    provider: strawberry.ID = strawberry.field(
        description="The ID of one of your practitioners, hospitals or diagnostic centers."
    )
    packages: list[PricePackageInput]


@strawberry.type
class UpsertPricePackagesPayload:
    created: int
    updated: int
    packages: list[PricePackage] = strawberry.field(description="In the order they were sent.")
