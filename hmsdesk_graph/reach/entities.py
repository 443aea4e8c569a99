"""A partner's listings (its practitioners, hospitals and diagnostic centers) in one statement.

Every dashboard figure is scoped to these: a listing outside this list is, for the partner,
exactly as missing as one that does not exist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

from hmsdesk_graph.db.enums import TargetKind
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.loaders.prices import OWNER_COLUMN

EntityKey = tuple[TargetKind, int]
# Listings sort by kind in this order: practitioners, hospitals, diagnostic centers.
NODE_TYPE = {
    TargetKind.PRACTITIONER: "Practitioner",
    TargetKind.HOSPITAL: "Hospital",
    TargetKind.DIAGNOSTIC_CENTER: "DiagnosticCenter",
}
KIND_ORDER = {kind: i for i, kind in enumerate(NODE_TYPE)}


@dataclass(frozen=True)
class Accreditation:
    name: str
    valid_until: date | None


@dataclass(frozen=True)
class Entity:
    """One listing of the partner, with what the dashboard derives from it."""

    kind: TargetKind
    id: int
    name: str
    slug: str
    city_id: int
    locality_id: int | None  # a practitioner's: the locality of their first practice
    specialty_id: int | None  # a practitioner's primary specialty
    expired: bool  # a practitioner's registration status is EXPIRED
    fee_paise: int | None  # cheapest consultation fee
    rating_sum: int
    rating_count: int
    accreditations: tuple[Accreditation, ...] = field(default=())

    @property
    def key(self) -> EntityKey:
        return (self.kind, self.id)


def _accreditations(raw: Any) -> tuple[Accreditation, ...]:
    items = orjson.loads(raw) if isinstance(raw, str) else (raw or [])
    out = []
    for item in items:
        until = item.get("validUntil")
        try:
            valid = date.fromisoformat(until) if until else None
        except ValueError:
            valid = None
        out.append(Accreditation(str(item.get("name", "")), valid))
    return tuple(out)


async def load_entities(partner_id: int) -> list[Entity]:
    """The partner's listings ordered by kind, name and id (one UNION statement)."""
    q = SqlBuilder()
    partner = q.p(partner_id)
    rows = await q.fetch(
        "SELECT 'HOSPITAL' AS kind, h.id, h.name, h.slug, h.city_id, h.locality_id,"
        " NULL AS specialty_id, NULL AS status, h.accreditations,"
        " (SELECT MIN(r.consultation_fee_paise) FROM practitioner_role r"
        "  WHERE r.hospital_id = h.id) AS fee, h.rating_sum, h.rating_count"
        f" FROM hospital h WHERE h.partner_id = {partner}"
        " UNION ALL SELECT 'PRACTITIONER', p.id, p.name, p.slug, p.city_id,"
        " (SELECT h2.locality_id FROM practitioner_role r2 JOIN hospital h2"
        "  ON h2.id = r2.hospital_id WHERE r2.practitioner_id = p.id ORDER BY r2.id LIMIT 1),"
        " (SELECT ps.specialty_id FROM practitioner_specialty ps WHERE ps.practitioner_id = p.id"
        "  ORDER BY ps.is_primary DESC, ps.id LIMIT 1),"
        " p.status, NULL, p.min_fee_paise, p.rating_sum, p.rating_count"
        f" FROM practitioner p WHERE p.partner_id = {partner}"
        " UNION ALL SELECT 'DIAGNOSTIC_CENTER', c.id, c.name, c.slug, c.city_id, c.locality_id,"
        " NULL, NULL, c.accreditations, NULL, c.rating_sum, c.rating_count"
        f" FROM diagnostic_center c WHERE c.partner_id = {partner}"
    )
    entities = [
        Entity(
            kind=TargetKind(row["kind"]),
            id=int(row["id"]),
            name=str(row["name"]),
            slug=str(row["slug"]),
            city_id=int(row["city_id"]),
            locality_id=_int(row["locality_id"]),
            specialty_id=_int(row["specialty_id"]),
            expired=row["status"] == "EXPIRED",
            fee_paise=_int(row["fee"]),
            rating_sum=int(row["rating_sum"]),
            rating_count=int(row["rating_count"]),
            accreditations=_accreditations(row["accreditations"]),
        )
        for row in rows
    ]
    entities.sort(key=lambda e: (KIND_ORDER[e.kind], e.name, e.id))
    return entities


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def by_kind(keys: Iterable[EntityKey]) -> dict[TargetKind, list[int]]:
    """Ids per kind, each sorted (a stable statement for the same set)."""
    grouped: dict[TargetKind, set[int]] = defaultdict(set)
    for kind, pk in keys:
        grouped[kind].add(pk)
    return {kind: sorted(grouped[kind]) for kind in sorted(grouped, key=KIND_ORDER.__getitem__)}


def stat_targets(q: SqlBuilder, keys: Iterable[EntityKey], alias: str = "s") -> str:
    """`daily_stat` rows of these listings (a false condition for none)."""
    parts = [
        f"({alias}.target_kind = {q.p(kind.value)} AND {alias}.target_id {q.in_ints(ids)})"
        for kind, ids in by_kind(keys).items()
    ]
    return f"({' OR '.join(parts)})" if parts else "1 = 0"


def owner_targets(q: SqlBuilder, keys: Iterable[EntityKey], alias: str) -> str:
    """Rows owned by these listings through practitioner_id / hospital_id / center columns."""
    parts = [
        f"{alias}.{OWNER_COLUMN[kind]} {q.in_ints(ids)}" for kind, ids in by_kind(keys).items()
    ]
    return f"({' OR '.join(parts)})" if parts else "1 = 0"


def owner_key_sql(alias: str) -> tuple[str, str]:
    """SQL for the (kind, id) of a row owned through one of the three owner columns."""
    kind = (
        f"CASE WHEN {alias}.practitioner_id IS NOT NULL THEN 'PRACTITIONER'"
        f" WHEN {alias}.hospital_id IS NOT NULL THEN 'HOSPITAL' ELSE 'DIAGNOSTIC_CENTER' END"
    )
    pk = f"COALESCE({alias}.practitioner_id, {alias}.hospital_id, {alias}.diagnostic_center_id)"
    return kind, pk
