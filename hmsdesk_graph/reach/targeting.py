"""Checking a campaign's targeting: city, then zone or localities, then specialty."""

from __future__ import annotations

from dataclasses import dataclass

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import TargetKind
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.errors import BadUserInput

MAX_LOCALITIES = 20
Listing = models.Practitioner | models.Hospital | models.DiagnosticCenter


@dataclass(frozen=True)
class Targeting:
    city_id: int
    zone: str | None
    locality_ids: tuple[int, ...]
    specialty_id: int | None


async def _area(
    city: models.City, zone: str | None, localities: list[str]
) -> tuple[str | None, tuple[int, ...]]:
    if zone and localities:
        raise BadUserInput("Target either a zone or localities, not both.", argument="zone")
    if len(localities) > MAX_LOCALITIES:
        raise BadUserInput(
            f"Target at most {MAX_LOCALITIES} localities (or a whole zone).", argument="localities"
        )
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT id, slug, zone FROM locality WHERE city_id = {q.p(city.pk)} ORDER BY slug"
    )
    if zone:
        zones = sorted({str(r["zone"]) for r in rows if r["zone"]})
        if zone not in zones:
            raise BadUserInput(
                f"Unknown zone {zone!r} in {city.name}: use one of {', '.join(zones)}.",
                argument="zone",
            )
        return zone, ()
    by_slug = {str(r["slug"]): int(r["id"]) for r in rows}
    unknown = [slug for slug in localities if slug not in by_slug]
    if unknown:
        raise BadUserInput(
            f"Unknown localities in {city.name}: {', '.join(unknown)}.", argument="localities"
        )
    return None, tuple(sorted({by_slug[slug] for slug in localities}))


async def _specialty(
    info: Info, kind: TargetKind, listing: Listing, slug: str | None
) -> int | None:
    if slug is None:
        return None
    if kind is TargetKind.DIAGNOSTIC_CENTER:
        raise BadUserInput(
            "A diagnostic center's campaign takes no specialty: leave it out.",
            argument="specialty",
        )
    row = await info.context.loaders.specialty_by_slug.load(slug)
    if row is None:
        raise BadUserInput(
            f"Unknown specialty {slug!r}: use a slug from `specialties`.", argument="specialty"
        )
    loaders = info.context.loaders
    offered = await (
        loaders.specialties_by_practitioner_id.load(listing.pk)
        if kind is TargetKind.PRACTITIONER
        else loaders.specialties_by_hospital_id.load(listing.pk)
    )
    if row.pk not in {s.pk for s in offered}:
        names = ", ".join(s.slug for s in offered) or "none listed"
        raise BadUserInput(
            f"{listing.name} does not offer {row.name}: target one of theirs ({names}).",
            argument="specialty",
        )
    return int(row.pk)


async def check_targeting(
    info: Info,
    kind: TargetKind,
    listing: Listing,
    city_slug: str,
    zone: str | None,
    localities: list[str],
    specialty: str | None,
) -> Targeting:
    """Where a campaign shows; BAD_USER_INPUT saying what to fix otherwise."""
    city = await info.context.loaders.city_by_slug.load(city_slug)
    if city is None:
        raise BadUserInput(
            f"Unknown city {city_slug!r}: use a slug from `cities`.", argument="city"
        )
    if listing.city_id != city.pk:
        raise BadUserInput(
            f"{listing.name} is listed in another city: target its own city.", argument="city"
        )
    area_zone, locality_ids = await _area(city, zone or None, localities)
    specialty_id = await _specialty(info, kind, listing, specialty or None)
    return Targeting(city.pk, area_zone, locality_ids, specialty_id)
