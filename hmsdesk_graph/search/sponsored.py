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
from dataclasses import dataclass
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
    allowance_at,
    area_matches,
    epoch_us,
    window_us,
)
from hmsdesk_graph.search.query import Near
from hmsdesk_graph.shared.cache_run import refuse

__all__ = [
    "MAX_SPONSORED",
    "Offer",
    "OfferSet",
    "campaign_offers",
    "choose",
    "complete_rows",
    "headroom",
    "placed_ids",
    "sponsored_ids",
    "sponsored_practitioners",
    "with_rows",
]

_NEVER = 2**63  # epoch microseconds no offer waits for
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


@dataclass(frozen=True)
class Offer:
    """A running campaign whose area covers the search: it may fill a slot while under pace."""

    campaign_id: int
    committed: int
    delivered: int
    start_us: int  # its running time, as reach.placement.window_us gives it
    total_us: int
    row: Any  # the promoted practitioner's row (a dict of its id alone when placed by ids)

    def under_pace(self, now_us: int) -> bool:
        return self.delivered < allowance_at(self.committed, self.start_us, self.total_us, now_us)

    def under_pace_from(self) -> int:
        """The first instant (epoch microseconds) at which it is under pace: its allowance,
        ceil(committed x elapsed / total), exceeds `delivered` once elapsed > delivered x
        total / committed (delivered < committed: the statement keeps no other)."""
        return self.start_us + self.delivered * self.total_us // self.committed + 1


class OfferSet:
    """A placement's offers, and those under pace until the next comes under pace: with
    delivery fixed, allowances only grow, so the set under pace changes at known instants."""

    def __init__(self, offers: list[Offer]) -> None:
        self.offers = offers
        self._since, self._until = 0, -1
        self._under_pace: list[Candidate] = []
        self._rows: dict[int, dict[str, Any]] = {}

    def under_pace(self, now: datetime) -> tuple[list[Candidate], dict[int, dict[str, Any]]]:
        """Candidates under pace at `now` (campaign id order) and their rows by campaign."""
        t = epoch_us(now)
        if not self._since <= t < self._until:
            until = _NEVER
            chosen: list[Offer] = []
            for offer in self.offers:
                start = offer.under_pace_from()
                if t >= start:
                    chosen.append(offer)
                else:
                    until = min(until, start)
            self._since, self._until = t, until
            self._under_pace = [Candidate(o.campaign_id, int(o.row["id"])) for o in chosen]
            self._rows = {o.campaign_id: o.row for o in chosen}
        return self._under_pace, self._rows


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
    offers = await campaign_offers(city_id, specialty_ids, locality_ids, near, now, ids_only)
    return choose(offers, now)


async def campaign_offers(
    city_id: int,
    specialty_ids: Iterable[int],
    locality_ids: tuple[int, ...],
    near: Near | None,
    now: datetime,
    ids_only: bool = False,
) -> list[Offer]:
    """The running campaigns of the search's city, specialty and area, in one statement."""
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
    rows = await q.fetch_rows(
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
    offers: list[Offer] = []
    for row in rows:
        targeted = _ids(row["_localities"])
        place_ids, zones = _split(row["_place"]), _split(row["_zones"])
        search_area = Area(frozenset(int(i) for i in place_ids), frozenset(zones))
        if area_matches(row["_zone"], targeted, search_area):
            committed, delivered = int(row["_committed"]), int(row["_delivered"])
            start_us, total_us = window_us(_as_date(row["_starts"]), _as_date(row["_ends"]))
            # A full row is the driver's read-only row: its campaign columns ride along
            # unread (model and lean reads take only the practitioner's columns).
            practitioner = {"id": row["id"]} if ids_only else row
            offers.append(
                Offer(int(row["_campaign"]), committed, delivered, start_us, total_us, practitioner)
            )
    return offers


def choose(offers: list[Offer] | OfferSet, now: datetime) -> list[tuple[int, dict[str, Any]]]:
    """The offers under pace at `now`, taking their turn in the rotation: slot order."""
    candidates, rows = (offers if isinstance(offers, OfferSet) else OfferSet(offers)).under_pace(
        now
    )
    return [(c.campaign_id, rows[c.campaign_id]) for c in ROTATION.choose(candidates)]


def headroom(offers: list[Offer], now: datetime) -> int | None:
    """How many more impressions every offer under pace at `now` can take before one of them
    might not be (None: no offer is under pace)."""
    t = epoch_us(now)
    room = [
        allowance_at(o.committed, o.start_us, o.total_us, t) - o.delivered
        for o in offers
        if o.under_pace(t)
    ]
    return min(room) if room else None


async def sponsored_ids(
    city_id: int,
    specialty_ids: Iterable[int],
    locality_ids: tuple[int, ...],
    near: Near | None,
    now: datetime,
) -> list[tuple[int, dict[str, Any]]]:
    """`sponsored_practitioners` with ids only: a search reads the picks' rows with its page
    (`with_rows`), in the statement it sends anyway."""
    return await sponsored_practitioners(city_id, specialty_ids, locality_ids, near, now, True)


def placed_ids(picks: list[tuple[int, Any]]) -> list[int]:
    """The practitioners of the picks placed with ids only, whose rows are still to read."""
    return [int(row["id"]) for _, row in picks if len(row) == 1]


def with_rows(picks: list[tuple[int, Any]], rows: Iterable[Any]) -> list[tuple[int, Any]]:
    """Picks with every practitioner column, from `rows` (read by `placed_ids`) for those
    placed with ids only; a practitioner without a row (gone meanwhile) loses its slot."""
    full = {int(row["id"]): row for row in rows}
    return [
        (campaign, row if len(row) > 1 else full[int(row["id"])])
        for campaign, row in picks
        if len(row) > 1 or int(row["id"]) in full
    ]


async def complete_rows(picks: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """Picks with every practitioner column, fetched in one statement for those placed with
    ids only; a practitioner gone meanwhile loses its slot."""
    partial = placed_ids(picks)
    if not partial:
        return picks
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT {columns(models.Practitioner, 't')} FROM practitioner t"
        f" WHERE t.id {q.in_ints(partial)} AND t.status = 'ACTIVE'"
    )
    return with_rows(picks, rows)


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
