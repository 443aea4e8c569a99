"""Dashboard figures computed the slow, obvious way: straight from the raw events."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import EventKind, TargetKind
from hmsdesk_graph.reach.clock import IST

FIELDS = {
    EventKind.IMPRESSION: "organicImpressions",
    EventKind.SPONSORED_IMPRESSION: "sponsoredImpressions",
    EventKind.PROFILE_VIEW: "profileViews",
    EventKind.CONTACT_REVEAL: "contactReveals",
    EventKind.BOOKING_REQUESTED: "bookingsRequested",
    EventKind.BOOKING_HONOURED: "bookingsHonoured",
}


def funnel_of(events: list[models.ListingEvent]) -> dict[str, Any]:
    counts: dict[str, Any] = {name: 0 for name in FIELDS.values()}
    positions = []
    for e in events:
        counts[FIELDS[e.kind]] += 1
        if e.kind is EventKind.IMPRESSION and e.position is not None:
            positions.append(e.position)
    shown = counts["organicImpressions"] + counts["sponsoredImpressions"]
    views = counts["profileViews"]
    counts["impressions"] = shown
    counts["clickThroughRate"] = round(views / shown, 4) if shown else None
    counts["conversionRate"] = round(counts["bookingsRequested"] / views, 4) if views else None
    counts["averagePosition"] = round(sum(positions) / len(positions), 2) if positions else None
    return counts


async def raw_events(
    keys: list[tuple[TargetKind, int]], first: date, last: date
) -> list[models.ListingEvent]:
    wanted = set(keys)
    rows = await models.ListingEvent.all()
    return [
        e
        for e in rows
        if (e.target_kind, e.target_id) in wanted
        and first <= e.occurred_at.astimezone(IST).date() <= last
    ]


def by_key(events: list[models.ListingEvent]) -> dict[tuple[TargetKind, int], list[Any]]:
    out: dict[tuple[TargetKind, int], list[Any]] = defaultdict(list)
    for e in events:
        out[(e.target_kind, e.target_id)].append(e)
    return out


def by_day(events: list[models.ListingEvent]) -> dict[date, list[Any]]:
    out: dict[date, list[Any]] = defaultdict(list)
    for e in events:
        out[e.occurred_at.astimezone(IST).date()].append(e)
    return out
