"""Root fields for providers: profile pages by slug and the plain listings by name."""

from __future__ import annotations

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.errors import NotFound
from hmsdesk_graph.pagination import scope_of
from hmsdesk_graph.reach.tracking import record_profile_view
from hmsdesk_graph.resolvers.listing import name_ordered_page
from hmsdesk_graph.schema.catalog import city_id_for_slug, specialty_id_for_slug
from hmsdesk_graph.schema.connection import Connection
from hmsdesk_graph.schema.providers import DiagnosticCenter, Hospital, Practitioner


async def resolve_practitioner(info: Info, slug: str) -> Practitioner | None:
    """A practitioner's profile; null with NOT_FOUND for an unknown slug."""
    row = await info.context.loaders.practitioner_by_slug.load(slug)
    if row is None:
        raise NotFound(f"No practitioner has the slug {slug!r}.", slug=slug)
    info.context.loaders.prime_practitioners([row])
    record_profile_view(info, row)
    return Practitioner.from_row(row)


async def resolve_hospital(info: Info, slug: str) -> Hospital | None:
    """A hospital's profile; null with NOT_FOUND for an unknown slug."""
    row = await info.context.loaders.hospital_by_slug.load(slug)
    if row is None:
        raise NotFound(f"No hospital has the slug {slug!r}.", slug=slug)
    info.context.loaders.prime_hospitals([row])
    record_profile_view(info, row)
    return Hospital.from_row(row)


async def resolve_diagnostic_center(info: Info, slug: str) -> DiagnosticCenter | None:
    """A diagnostic center's profile; null with NOT_FOUND for an unknown slug."""
    row = await info.context.loaders.diagnostic_center_by_slug.load(slug)
    if row is None:
        raise NotFound(f"No diagnostic center has the slug {slug!r}.", slug=slug)
    info.context.loaders.prime_diagnostic_centers([row])
    record_profile_view(info, row)
    return DiagnosticCenter.from_row(row)


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


async def resolve_hospitals(
    info: Info, city: str, first: int | None = None, after: str | None = None
) -> Connection[Hospital]:
    """Hospitals, clinics and nursing homes of a city, by name."""
    city_id = await city_id_for_slug(info, city)
    rows, connection = await name_ordered_page(
        info,
        models.Hospital,
        lambda q: [f"t.city_id = {q.p(city_id)}"],
        scope_of("hospitals", city=city_id),
        first,
        after,
        Hospital.from_row,
    )
    info.context.loaders.prime_hospitals(rows)
    return connection


async def resolve_diagnostic_centers(
    info: Info, city: str, first: int | None = None, after: str | None = None
) -> Connection[DiagnosticCenter]:
    """Diagnostic centers of a city, by name."""
    city_id = await city_id_for_slug(info, city)
    rows, connection = await name_ordered_page(
        info,
        models.DiagnosticCenter,
        lambda q: [f"t.city_id = {q.p(city_id)}"],
        scope_of("diagnosticCenters", city=city_id),
        first,
        after,
        DiagnosticCenter.from_row,
    )
    info.context.loaders.prime_diagnostic_centers(rows)
    return connection
