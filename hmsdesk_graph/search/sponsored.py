"""Sponsored placement: which Reach campaigns add an edge above a search's first page.

Eligible (see `reach.placement` for the exact rules): ACTIVE, today within its dates, the
searched city, the searched specialty (or a campaign for any specialty), an area that covers
the search's place, an ACTIVE practitioner, not yet at its committed impressions and not
ahead of its even pace. Among the eligible a per-process rotation takes turns fairly; at most
two are shown. Sponsorship never changes the organic results. One SQL statement.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import orjson

from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder, columns
from hmsdesk_graph.reach.clock import IST
from hmsdesk_graph.reach.placement import (
    MAX_SPONSORED,
    ROTATION,
    Area,
    Candidate,
    area_matches,
    under_pace,
)
from hmsdesk_graph.search.query import Near
from hmsdesk_graph.shared.cache_run import refuse

__all__ = ["MAX_SPONSORED", "complete_rows", "sponsored_practitioners"]

# Enough rows for every campaign that can be eligible in one city x specialty; the pacing
# check runs in Python on these.
CANDIDATE_LIMIT = 500


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _ids(value: Any) -> list[int]:
    raw = orjson.loads(value) if isinstance(value, str) else (value or [])
    return [int(v) for v in raw]


def _area_sql(q: SqlBuilder, city_id: int, locality_ids: tuple[int, ...], near: Near | None) -> str:
    """SQL for the ids of the search's place: its localities, or the one nearest `near`."""
    if locality_ids:
        return f"SELECT l.id FROM locality l WHERE l.id {q.in_ints(locality_ids)}"
    if near is not None:
        # Squared equirectangular distance: enough to rank localities within one city.
        lat, lng = q.p(near.lat), q.p(near.lng)
        scale = q.p(math.cos(math.radians(near.lat)) ** 2)
        return (
            f"SELECT l.id FROM locality l WHERE l.city_id = {q.p(city_id)}"
            f" ORDER BY (l.lat - {lat}) * (l.lat - {lat})"
            f" + (l.lng - {lng}) * (l.lng - {lng}) * {scale}, l.id LIMIT 1"
        )
    return ""


async def sponsored_practitioners(
    city_id: int,
    specialty_ids: Iterable[int],
    locality_ids: tuple[int, ...],
    near: Near | None,
    now: datetime,
    ids_only: bool = False,
) -> list[tuple[int, dict[str, Any]]]:
    """Up to two (campaign id, practitioner row) pairs in slot order, in one statement.

    `ids_only`: rows hold just the practitioner's id (a cache hit splices edges it rendered
    before; a candidate's every column is most of this statement's cost). See complete_rows.
    """
    q = SqlBuilder()
    today = now.astimezone(IST).date()
    specialties = sorted(set(specialty_ids))
    specialty = "c.specialty_id IS NULL"
    if specialties:
        specialty = f"(c.specialty_id IS NULL OR c.specialty_id {q.in_ints(specialties)})"
    area = _area_sql(q, city_id, locality_ids, near)
    # The place's ids and zones ride along on every row (each subquery runs once).
    place = "NULL AS _place, NULL AS _zones"
    if area:
        place = (
            f"(SELECT {_list_agg(q, 'a.id')} FROM ({area}) a) AS _place,"
            f" (SELECT {_list_agg(q, 'z.zone')} FROM locality z WHERE z.id IN ({area})"
            " AND z.zone IS NOT NULL) AS _zones"
        )
    rows = await q.fetch(
        "SELECT c.id AS _campaign, c.zone AS _zone, c.locality_ids AS _localities,"
        " c.committed_impressions AS _committed, c.delivered_impressions AS _delivered,"
        f" c.starts_on AS _starts, c.ends_on AS _ends, {place},"
        f" {'t.id AS id' if ids_only else columns(models.Practitioner, 't')} FROM campaign c"
        " JOIN practitioner t ON t.id = c.target_id"
        " WHERE c.target_kind = 'PRACTITIONER' AND c.status = 'ACTIVE'"
        f" AND c.city_id = {q.p(city_id)}"
        f" AND c.starts_on <= {q.p(_day(q, today))} AND c.ends_on >= {q.p(_day(q, today))}"
        " AND c.delivered_impressions < c.committed_impressions AND t.status = 'ACTIVE'"
        f" AND {specialty} ORDER BY c.id LIMIT {CANDIDATE_LIMIT}"
    )
    if rows:
        # A running campaign could fill a slot here: pacing and rotation differ per search.
        refuse("sponsored")
    by_campaign: dict[int, dict[str, Any]] = {}
    candidates: list[Candidate] = []
    for row in rows:
        campaign_id = int(row.pop("_campaign"))
        zone = row.pop("_zone")
        targeted = _ids(row.pop("_localities"))
        committed, delivered = int(row.pop("_committed")), int(row.pop("_delivered"))
        starts, ends = _as_date(row.pop("_starts")), _as_date(row.pop("_ends"))
        place_ids, zones = _split(row.pop("_place")), _split(row.pop("_zones"))
        search_area = Area(frozenset(int(i) for i in place_ids), frozenset(zones))
        if not area_matches(zone, targeted, search_area):
            continue
        if not under_pace(delivered, committed, starts, ends, now):
            continue
        by_campaign[campaign_id] = row
        candidates.append(Candidate(campaign_id, int(row["id"])))
    chosen = ROTATION.choose(candidates)
    return [(c.campaign_id, by_campaign[c.campaign_id]) for c in chosen]


async def complete_rows(
    picks: list[tuple[int, dict[str, Any]]],
) -> list[tuple[int, dict[str, Any]]]:
    """Picks with every practitioner column, fetched in one statement for those placed with
    ids only; a practitioner gone meanwhile loses its slot."""
    partial = [int(row["id"]) for _, row in picks if len(row) == 1]
    if not partial:
        return picks
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT {columns(models.Practitioner, 't')} FROM practitioner t"
        f" WHERE t.id {q.in_ints(partial)} AND t.status = 'ACTIVE'"
    )
    full = {int(row["id"]): row for row in rows}
    return [
        (campaign, row if len(row) > 1 else full[int(row["id"])])
        for campaign, row in picks
        if len(row) > 1 or int(row["id"]) in full
    ]


def _day(q: SqlBuilder, day: date) -> date | str:
    # SQLite stores dates as ISO text; PostgreSQL takes the date itself.
    return day if q.postgres else day.isoformat()


def _list_agg(q: SqlBuilder, column: str) -> str:
    """A comma-separated list of a column's values, on either backend."""
    if q.postgres:
        return f"string_agg(CAST({column} AS text), ',')"
    return f"group_concat({column}, ',')"


def _split(value: Any) -> list[str]:
    return [part for part in str(value).split(",") if part] if value else []
