"""Peer benchmarks: a listing's fee and rating against its locality x specialty peers.

A cross-provider aggregate, so it is suppressed for any group smaller than MIN_PEERS (DESIGN
§6): below that every figure is null and the reason says why, without telling how many peers
there are. Peers are the other ACTIVE practitioners with the specialty who practise in the
locality (hospitals: the other hospitals of the locality, offering the specialty when one is
named; diagnostic centers: the other centers of the locality, rating only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hmsdesk_graph.db.enums import TargetKind
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.loaders.base import group_keys
from hmsdesk_graph.reach.entities import Entity

MIN_PEERS = 5
_CENT = Decimal("0.01")
Group = tuple[int, int | None]  # locality id, specialty id (None: any)
Peer = tuple[int | None, int, int]  # fee paise, rating sum, rating count


@dataclass(frozen=True)
class BenchmarkKey:
    entity: Entity
    specialty_id: int | None  # practitioners: their primary specialty unless one is named


@dataclass(frozen=True)
class Benchmark:
    locality_id: int | None
    specialty_id: int | None
    peers: int | None = None
    fee_paise: int | None = None
    median_fee_paise: int | None = None
    fee_percentile: int | None = None
    rating: Decimal | None = None
    median_rating: Decimal | None = None
    suppressed_reason: str | None = None


def _average(rating_sum: int, count: int) -> Decimal | None:
    return (Decimal(rating_sum) / count).quantize(_CENT, ROUND_HALF_UP) if count else None


def _median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return ((ordered[mid - 1] + ordered[mid]) / 2).quantize(_CENT, ROUND_HALF_UP)


def percentile_rank(value: int, others: list[int]) -> int:
    """Percent of `others` below `value` (ties count half), 0..100."""
    below = sum(1 for o in others if o < value)
    equal = sum(1 for o in others if o == value)
    share = Decimal(100 * (2 * below + equal)) / (2 * len(others))
    return int(share.to_integral_value(ROUND_HALF_UP))


def compare(entity: Entity, group: Group, peers: dict[int, Peer]) -> Benchmark:
    """The benchmark of one listing against its group (itself excluded)."""
    others = {pid: p for pid, p in peers.items() if pid != entity.id}
    locality, specialty = group
    if len(others) < MIN_PEERS:
        return Benchmark(
            locality, specialty, suppressed_reason=f"Fewer than {MIN_PEERS} peers to compare with."
        )
    reasons = []
    fees = [fee for fee, _, _ in others.values() if fee is not None]
    fee = entity.fee_paise if entity.kind is not TargetKind.DIAGNOSTIC_CENTER else None
    median_fee = percentile = None
    if fee is not None and len(fees) >= MIN_PEERS:
        median_fee = int(_median([Decimal(f) for f in fees]).to_integral_value(ROUND_HALF_UP))
        percentile = percentile_rank(fee, fees)
    elif entity.kind is not TargetKind.DIAGNOSTIC_CENTER:
        reasons.append(f"fees: no fee listed or fewer than {MIN_PEERS} peers with one")
    ratings = [a for _, s, c in others.values() if (a := _average(s, c)) is not None]
    median_rating = _median(ratings) if len(ratings) >= MIN_PEERS else None
    if median_rating is None:
        reasons.append(f"ratings: fewer than {MIN_PEERS} rated peers")
    return Benchmark(
        locality,
        specialty,
        peers=len(others),
        fee_paise=fee if percentile is not None else None,
        median_fee_paise=median_fee,
        fee_percentile=percentile,
        rating=_average(entity.rating_sum, entity.rating_count),
        median_rating=median_rating,
        suppressed_reason="; ".join(reasons) or None,
    )


def _peer_sql(
    kind: TargetKind, q: SqlBuilder, localities: list[int], specialties: list[int]
) -> str:
    if kind is TargetKind.PRACTITIONER:
        return (
            "SELECT DISTINCT h.locality_id AS loc, ps.specialty_id AS spec, p.id AS pid,"
            " p.min_fee_paise AS fee, p.rating_sum AS rsum, p.rating_count AS rcount"
            " FROM practitioner p JOIN practitioner_specialty ps ON ps.practitioner_id = p.id"
            " JOIN practitioner_role r ON r.practitioner_id = p.id"
            " JOIN hospital h ON h.id = r.hospital_id WHERE p.status = 'ACTIVE'"
            f" AND h.locality_id {q.in_ints(localities)}"
            f" AND ps.specialty_id {q.in_ints(specialties)}"
        )
    if kind is TargetKind.HOSPITAL:
        return (
            "SELECT h.locality_id AS loc, hs.specialty_id AS spec, h.id AS pid,"
            " (SELECT MIN(r.consultation_fee_paise) FROM practitioner_role r"
            "  WHERE r.hospital_id = h.id) AS fee, h.rating_sum AS rsum, h.rating_count AS rcount"
            " FROM hospital h LEFT JOIN hospital_specialty hs ON hs.hospital_id = h.id"
            f" WHERE h.locality_id {q.in_ints(localities)}"
        )
    return (
        "SELECT c.locality_id AS loc, NULL AS spec, c.id AS pid, NULL AS fee,"
        " c.rating_sum AS rsum, c.rating_count AS rcount FROM diagnostic_center c"
        f" WHERE c.locality_id {q.in_ints(localities)}"
    )


def _group_of(key: BenchmarkKey) -> Group | None:
    entity = key.entity
    if entity.locality_id is None:
        return None
    if entity.kind is TargetKind.PRACTITIONER:
        specialty = key.specialty_id or entity.specialty_id
        return None if specialty is None else (entity.locality_id, specialty)
    if entity.kind is TargetKind.HOSPITAL:
        return (entity.locality_id, key.specialty_id)
    return (entity.locality_id, None)


def _groups(rows: list[dict[str, Any]]) -> dict[Group, dict[int, Peer]]:
    groups: dict[Group, dict[int, Peer]] = defaultdict(dict)
    for row in rows:
        loc, pid = int(row["loc"]), int(row["pid"])
        peer = (
            None if row["fee"] is None else int(row["fee"]),
            int(row["rsum"]),
            int(row["rcount"]),
        )
        groups[(loc, None)][pid] = peer  # "any specialty" is every row of the locality
        if row["spec"] is not None:
            groups[(loc, int(row["spec"]))][pid] = peer
    return groups


async def load_benchmarks(keys: Sequence[BenchmarkKey]) -> list[Benchmark]:
    """One Benchmark per key: one statement per listing kind among the keys."""
    results: dict[BenchmarkKey, Benchmark] = {}
    for kind, group in group_keys(keys, lambda k: k.entity.kind).items():
        wanted = {key: _group_of(key) for key in group}
        localities = sorted({g[0] for g in wanted.values() if g is not None})
        specialties = sorted({g[1] for g in wanted.values() if g is not None and g[1]})
        q = SqlBuilder()
        rows = await q.fetch(_peer_sql(kind, q, localities, specialties))
        peers = _groups(rows)
        for key, target in wanted.items():
            if target is None:
                results[key] = Benchmark(
                    key.entity.locality_id,
                    key.specialty_id or key.entity.specialty_id,
                    suppressed_reason="No practice locality and specialty to compare within.",
                )
            else:
                results[key] = compare(key.entity, target, peers.get(target, {}))
    return [results[key] for key in keys]
