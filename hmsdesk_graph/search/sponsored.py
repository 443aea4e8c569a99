"""Sponsored placement: which Reach campaigns may add an edge above a search's first page.

Eligible: active, within its dates, not yet past its committed impressions, targeting the
searched city, the searched specialty (or none) and, when the search names localities, one
of them or their zone. Among the eligible, the least delivered goes first, so campaigns take
turns. Sponsorship never changes the organic results.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson

from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder, columns

MAX_SPONSORED = 2


async def sponsored_practitioners(
    city_id: int,
    specialty_ids: frozenset[int] | tuple[int, ...],
    locality_ids: tuple[int, ...],
    today: date,
) -> list[tuple[int, dict[str, Any]]]:
    """Up to two (campaign id, practitioner row) pairs, in one statement."""
    q = SqlBuilder()
    specialty = "c.specialty_id IS NULL"
    if specialty_ids:
        specialty = f"(c.specialty_id IS NULL OR c.specialty_id {q.in_ints(specialty_ids)})"
    rows = await q.fetch(
        f"SELECT c.id AS _campaign, c.zone AS _zone, c.locality_ids AS _localities,"
        f" {columns(models.Practitioner, 't')} FROM campaign c"
        " JOIN practitioner t ON t.id = c.target_id"
        " WHERE c.target_kind = 'PRACTITIONER' AND c.status = 'ACTIVE'"
        f" AND c.city_id = {q.p(city_id)}"
        f" AND c.starts_on <= {q.p(today)} AND c.ends_on >= {q.p(today)}"
        f" AND c.delivered_impressions < c.committed_impressions AND t.status = 'ACTIVE'"
        f" AND {specialty} ORDER BY c.delivered_impressions, c.id LIMIT 20"
    )
    zones: set[str] = set()
    if locality_ids:
        zone_rows = await models.Locality.filter(id__in=locality_ids).values_list("zone", flat=True)
        zones = {str(z) for z in zone_rows}
    chosen: list[tuple[int, dict[str, Any]]] = []
    seen: set[int] = set()
    for row in rows:
        campaign_id = int(row.pop("_campaign"))
        zone = row.pop("_zone")
        localities = row.pop("_localities")
        targeted = orjson.loads(localities) if isinstance(localities, str) else (localities or [])
        if locality_ids and not (
            (zone and zone in zones) or set(targeted) & set(locality_ids) or not (zone or targeted)
        ):
            continue
        if row["id"] in seen:
            continue
        seen.add(row["id"])
        chosen.append((campaign_id, row))
        if len(chosen) == MAX_SPONSORED:
            break
    return chosen
