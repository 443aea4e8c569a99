"""Data quality of a partner's listings: stale prices, expiring accreditations, expired
registrations. What a partner should fix so patients see true information."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from hmsdesk_graph.db.enums import TargetKind
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.reach.entities import Entity, EntityKey, owner_key_sql, owner_targets

# The same freshness rule as a price's `source.stale` (schema/prices.py).
STALE_AFTER = timedelta(days=30)
ACCREDITATION_NOTICE = timedelta(days=60)


@dataclass(frozen=True)
class ExpiringAccreditation:
    listing: str  # the listing's public name
    name: str
    valid_until: date
    expired: bool


@dataclass(frozen=True)
class ExpiredPractitioner:
    """A practitioner whose registration status is EXPIRED (public facts only)."""

    name: str
    slug: str


@dataclass
class Quality:
    prices: int = 0
    stale_prices: int = 0
    expiring: list[ExpiringAccreditation] = field(default_factory=list)
    expired: list[ExpiredPractitioner] = field(default_factory=list)

    def merge(self, other: Quality) -> None:
        self.prices += other.prices
        self.stale_prices += other.stale_prices
        self.expiring += other.expiring
        known = {p.slug for p in self.expired}
        self.expired += [p for p in other.expired if p.slug not in known]


def expiring_accreditations(entity: Entity, today: date) -> list[ExpiringAccreditation]:
    """Accreditations already expired or expiring within 60 days, soonest first."""
    horizon = today + ACCREDITATION_NOTICE
    found = [
        ExpiringAccreditation(entity.name, a.name, a.valid_until, a.valid_until < today)
        for a in entity.accreditations
        if a.valid_until is not None and a.valid_until <= horizon
    ]
    return sorted(found, key=lambda a: (a.valid_until, a.name))


async def load_quality(entities: Sequence[Entity], now: datetime, today: date) -> list[Quality]:
    """One Quality per listing, in order (two statements)."""
    keys: list[EntityKey] = [e.key for e in entities]
    kind_sql, id_sql = owner_key_sql("pp")
    q = SqlBuilder()
    stale = (
        f"(pp.valid_until IS NOT NULL AND pp.valid_until < {q.dt(now)})"
        f" OR (pp.fetched_at IS NOT NULL AND pp.fetched_at < {q.dt(now - STALE_AFTER)})"
    )
    rows = await q.fetch(
        f"SELECT {kind_sql} AS tk, {id_sql} AS tid, COUNT(*) AS n,"
        f" SUM(CASE WHEN {stale} THEN 1 ELSE 0 END) AS stale FROM price_package pp"
        f" WHERE {owner_targets(q, keys, 'pp')} GROUP BY {kind_sql}, {id_sql}"
    )
    packages = {(str(r["tk"]), int(r["tid"])): (int(r["n"]), int(r["stale"])) for r in rows}
    hospitals = [e.id for e in entities if e.kind is TargetKind.HOSPITAL]
    h = SqlBuilder()
    staff = await h.fetch(
        "SELECT DISTINCT r.hospital_id AS hid, p.name AS name, p.slug AS slug"
        " FROM practitioner_role r JOIN practitioner p ON p.id = r.practitioner_id"
        f" WHERE r.hospital_id {h.in_ints(hospitals)} AND p.status = 'EXPIRED'"
    )
    expired_at: dict[int, list[ExpiredPractitioner]] = defaultdict(list)
    for row in sorted(staff, key=lambda r: (str(r["name"]), str(r["slug"]))):
        expired_at[int(row["hid"])].append(ExpiredPractitioner(str(row["name"]), str(row["slug"])))
    result = []
    for entity in entities:
        count, stale_count = packages.get((entity.kind.value, entity.id), (0, 0))
        expired = list(expired_at.get(entity.id, [])) if entity.kind is TargetKind.HOSPITAL else []
        if entity.expired:
            expired.insert(0, ExpiredPractitioner(entity.name, entity.slug))
        result.append(Quality(count, stale_count, expiring_accreditations(entity, today), expired))
    return result
