"""Money and price ranges: integer paise in storage, Decimal rupees (a string) in the API."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from hmsdesk_graph.db import models

CURRENCY = "INR"
_PAISA = Decimal("0.01")


def rupees(paise: int) -> Decimal:
    """Exact rupees from integer paise, always with two decimals."""
    return (Decimal(paise) / 100).quantize(_PAISA)


def rupees_or_none(paise: int | None) -> Decimal | None:
    """`rupees` of an optional amount: null stays null."""
    return None if paise is None else rupees(paise)


@strawberry.type(description="A price or price range as the provider gave it.")
class PriceRange:
    min: Decimal
    max: Decimal
    currency: str = CURRENCY
    approximate: bool = strawberry.field(
        default=True,
        description="Prices come from partners and may pertain to specific wards or units: "
        "confirm with the provider.",
    )


def price_of(row: models.PricePackage) -> PriceRange:
    """A package's price range in rupees, from its row's paise."""
    return PriceRange(
        min=rupees(row.price_min_paise),
        max=rupees(row.price_max_paise),
        currency=row.currency,
        approximate=row.approximate,
    )
