"""Root fields for providers: profile pages by slug and the plain listings by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from strawberry.dataloader import DataLoader

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.errors import NotFound
from hmsdesk_graph.loaders import Loaders
from hmsdesk_graph.pagination import scope_of
from hmsdesk_graph.reach.tracking import record_profile_view
from hmsdesk_graph.resolvers.listing import name_ordered_page
from hmsdesk_graph.schema.catalog import city_id_for_slug, specialty_id_for_slug
from hmsdesk_graph.schema.connection import Connection
from hmsdesk_graph.schema.providers import DiagnosticCenter, Hospital, Practitioner

Row = TypeVar("Row", models.Practitioner, models.Hospital, models.DiagnosticCenter)
N = TypeVar("N")


async def _profile(
    info: Info,
    slug: str,
    what: str,
    by_slug: DataLoader[str, Row | None],
    prime: Callable[[list[Row]], None],
    node: Callable[[Row], N],
) -> N:
    """A profile page's provider: counted as a profile view; NOT_FOUND for an unknown slug."""
    row = await by_slug.load(slug)
    if row is None:
        raise NotFound(f"No {what} has the slug {slug!r}.", slug=slug)
    prime([row])
    record_profile_view(info, row)
    return node(row)


async def resolve_practitioner(info: Info, slug: str) -> Practitioner | None:
    """A practitioner's profile; null with NOT_FOUND for an unknown slug."""
    loaders = info.context.loaders
    by_slug, prime = loaders.practitioner_by_slug, loaders.prime_practitioners
    return await _profile(info, slug, "practitioner", by_slug, prime, Practitioner.from_row)


async def resolve_hospital(info: Info, slug: str) -> Hospital | None:
    """A hospital's profile; null with NOT_FOUND for an unknown slug."""
    loaders = info.context.loaders
    by_slug, prime = loaders.hospital_by_slug, loaders.prime_hospitals
    return await _profile(info, slug, "hospital", by_slug, prime, Hospital.from_row)


async def resolve_diagnostic_center(info: Info, slug: str) -> DiagnosticCenter | None:
    """A diagnostic center's profile; null with NOT_FOUND for an unknown slug."""
    loaders = info.context.loaders
    by_slug, prime = loaders.diagnostic_center_by_slug, loaders.prime_diagnostic_centers
    return await _profile(
        info, slug, "diagnostic center", by_slug, prime, DiagnosticCenter.from_row
    )


async def resolve_practitioners(
    info: Info,
    city: str,
    specialty: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection[Practitioner]:
    """Active practitioners of a city (and specialty), by name."""
    city_id = await city_id_for_slug(info, city)
    specialty_id = await specialty_id_for_slug(info, specialty) if specialty else None

    def where(q: SqlBuilder) -> list[str]:
        conditions = [f"t.city_id = {q.p(city_id)}", "t.status = 'ACTIVE'"]
        if specialty_id is not None:
            conditions.append(
                "EXISTS (SELECT 1 FROM practitioner_specialty ps WHERE ps.practitioner_id = t.id"
                f" AND ps.specialty_id = {q.p(specialty_id)})"
            )
        return conditions

    scope = scope_of("practitioners", city=city_id, specialty=specialty_id)
    rows, connection = await name_ordered_page(
        info, models.Practitioner, where, scope, first, after, Practitioner.from_row
    )
    info.context.loaders.prime_practitioners(rows)
    return connection


@dataclass(frozen=True)
class _CityListing(Generic[Row, N]):
    """What differs between the plain by-name listings of a city's hospitals and centers."""

    field: str  # the root field, which also names the cursor scope
    model: type[Row]
    prime: Callable[[Loaders, list[Row]], None]
    node: Callable[[Row], N]


_HOSPITALS = _CityListing("hospitals", models.Hospital, Loaders.prime_hospitals, Hospital.from_row)
_DIAGNOSTIC_CENTERS = _CityListing(
    "diagnosticCenters",
    models.DiagnosticCenter,
    Loaders.prime_diagnostic_centers,
    DiagnosticCenter.from_row,
)


async def _facilities_of_city(
    info: Info, listing: _CityListing[Row, N], city: str, first: int | None, after: str | None
) -> Connection[N]:
    """A city's hospitals or diagnostic centers by name (the rows answer later by-id loads)."""
    city_id = await city_id_for_slug(info, city)
    rows, connection = await name_ordered_page(
        info,
        listing.model,
        lambda q: [f"t.city_id = {q.p(city_id)}"],
        scope_of(listing.field, city=city_id),
        first,
        after,
        listing.node,
    )
    listing.prime(info.context.loaders, rows)
    return connection


async def resolve_hospitals(
    info: Info, city: str, first: int | None = None, after: str | None = None
) -> Connection[Hospital]:
    """Hospitals, clinics and nursing homes of a city, by name."""
    return await _facilities_of_city(info, _HOSPITALS, city, first, after)


async def resolve_diagnostic_centers(
    info: Info, city: str, first: int | None = None, after: str | None = None
) -> Connection[DiagnosticCenter]:
    """Diagnostic centers of a city, by name."""
    return await _facilities_of_city(info, _DIAGNOSTIC_CENTERS, city, first, after)
