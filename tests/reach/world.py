"""The Reach test world: two partners with listings, campaigns and a stream of events.

Partner X (aarogya-group) owns the Pune hospital, the diagnostic center and 20 of the
hospital's doctors; partner Y (bandra-care) owns the Mumbai clinic and its doctor.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import Channel, EventKind, TargetKind
from hmsdesk_graph.reach.clock import IST, today_ist
from hmsdesk_graph.workers.events import ListingEvent
from tests.factories import Dataset
from tests.privacy.people import People

X_DOCTORS = list(range(1000, 1020))
Y_DOCTOR = 2000
KINDS = [
    EventKind.IMPRESSION,
    EventKind.PROFILE_VIEW,
    EventKind.CONTACT_REVEAL,
    EventKind.BOOKING_REQUESTED,
    EventKind.BOOKING_HONOURED,
]


@dataclass
class ReachWorld:
    ds: Dataset
    people: People
    x: int
    y: int
    x_campaign: int
    y_campaign: int
    x_keys: list[tuple[TargetKind, int]]
    y_keys: list[tuple[TargetKind, int]]


async def build_reach(ds: Dataset, people: People) -> ReachWorld:
    x, y = people.partner_x, people.partner_y
    await models.Practitioner.filter(id__in=X_DOCTORS).update(partner_id=x)
    await models.Practitioner.filter(id=Y_DOCTOR).update(partner_id=y)
    small = await models.Hospital.get(slug=ds.small_hospital_slug)
    today = today_ist()
    x_campaign = await models.Campaign.create(
        partner_id=x,
        name="Cardiology in Kothrud",
        target_kind=TargetKind.PRACTITIONER,
        target_id=1000,
        city_id=ds.city_ids["pune"],
        zone="pune-west",
        specialty_id=ds.specialty_ids["cardiologist"],
        committed_impressions=200_000,
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=30),
    )
    y_campaign = await models.Campaign.create(
        partner_id=y,
        name="Bandra clinic",
        target_kind=TargetKind.PRACTITIONER,
        target_id=Y_DOCTOR,
        city_id=ds.city_ids["mumbai"],
        committed_impressions=50_000,
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=20),
    )
    x_keys = [(TargetKind.PRACTITIONER, pk) for pk in X_DOCTORS]
    x_keys += [(TargetKind.HOSPITAL, ds.hospital_id), (TargetKind.DIAGNOSTIC_CENTER, ds.center_id)]
    y_keys = [(TargetKind.PRACTITIONER, Y_DOCTOR), (TargetKind.HOSPITAL, small.pk)]
    return ReachWorld(ds, people, x, y, x_campaign.pk, y_campaign.pk, x_keys, y_keys)


def _moment(rng: random.Random, start: datetime) -> datetime:
    """A moment of the IST day beginning at `start`, never in the future: today's events fall in
    the part of the day that has passed, so a batch holds the same events at any hour."""
    passed = int((datetime.now(UTC) - start).total_seconds())
    # One draw of the same size at any hour: randint's draws depend on its range, so the rest
    # of the stream (which kinds, how many sponsored) would change with the time of day.
    return start + timedelta(seconds=int(rng.random() * (max(0, min(86399, passed)) + 1)))


def synthetic_events(
    world: ReachWorld, days: int, seed: int = 7, extra_keys: list[Any] | None = None
) -> list[ListingEvent]:
    """A deterministic mix of every event kind over the last `days` IST days (today too)."""
    rng = random.Random(seed)
    today = today_ist()
    events: list[ListingEvent] = []
    keys = world.x_keys + world.y_keys + (extra_keys or [])
    campaigns = {
        (TargetKind.PRACTITIONER, 1000): (world.x_campaign, world.ds.city_ids["pune"]),
        (TargetKind.PRACTITIONER, Y_DOCTOR): (world.y_campaign, world.ds.city_ids["mumbai"]),
    }
    for back in range(days):
        day = today - timedelta(days=back)
        start = datetime.combine(day, time(), IST)
        for kind_target, pk in keys:
            for _ in range(rng.randint(0, 6)):
                kind = rng.choice(KINDS)
                moment = _moment(rng, start)
                position = (
                    rng.choice([None, rng.randint(1, 20)]) if kind is EventKind.IMPRESSION else None
                )
                events.append(
                    ListingEvent(
                        kind=kind,
                        target_kind=kind_target,
                        target_id=pk,
                        channel=rng.choice(list(Channel)),
                        city_id=rng.choice([None, 1, 2]),
                        position=position,
                        occurred_at=moment,
                    )
                )
            campaign = campaigns.get((kind_target, pk))
            if campaign is not None:
                for _ in range(rng.randint(0, 4)):
                    moment = _moment(rng, start)
                    events.append(
                        ListingEvent(
                            kind=EventKind.SPONSORED_IMPRESSION,
                            target_kind=kind_target,
                            target_id=pk,
                            campaign_id=campaign[0],
                            city_id=campaign[1],
                            channel=Channel.MOBILE,
                            position=rng.randint(1, 2),
                            occurred_at=moment,
                        )
                    )
    return events


def day_range(days: int) -> tuple[date, date]:
    today = today_ist()
    return today - timedelta(days=days - 1), today
