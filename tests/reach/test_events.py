"""Funnel events: recorded behind the response, rolled up exactly once, never personal."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import AppointmentStatus, Channel, EventKind, TargetKind
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.reach.clock import today_ist
from hmsdesk_graph.workers.events import ListingEvent
from hmsdesk_graph.workers.rollup import day_start, event_horizon, rollup
from tests.conftest import GraphQLClient
from tests.privacy.test_bookings import BOOK, next_monday_slot
from tests.reach.conftest import run
from tests.reach.world import ReachWorld, synthetic_events

EVENT_COLUMNS = {
    "id", "kind", "occurred_at", "target_kind", "target_id", "campaign_id", "channel", "city_id",
    "position",
}  # fmt: skip


async def _stats() -> list[tuple[Any, ...]]:
    rows = await models.DailyStat.all().values()
    return sorted(tuple(sorted((k, v) for k, v in r.items() if k != "id")) for r in rows)


def test_events_and_stats_hold_no_personal_data() -> None:
    assert set(models.ListingEvent._meta.db_fields) == EVENT_COLUMNS
    assert set(models.DailyStat._meta.db_fields) == {
        "id", "day", "kind", "target_kind", "target_id", "campaign_id", "channel", "city_id",
        "count", "position_sum", "position_count",
    }  # fmt: skip


async def test_profile_pages_record_a_view(gql: GraphQLClient, app: Any, world: ReachWorld) -> None:
    ds = world.ds
    for field, slug in (
        ("practitioner", ds.profile_slug),
        ("hospital", ds.hospital_slug),
        ("diagnosticCenter", ds.center_slug),
    ):
        response = await gql.post(
            f"query($s: String!) {{ {field}(slug: $s) {{ id }} }}",
            {"s": slug},
            headers={"x-client-channel": "mobile"},
        )
        assert "errors" not in response.json()
    # An unknown slug records nothing.
    await gql.execute('query { practitioner(slug: "dr-nobody") { id } }')
    await app.state.events.flush()
    views = await models.ListingEvent.filter(kind=EventKind.PROFILE_VIEW).order_by("id")
    assert [(v.target_kind, v.target_id, v.channel, v.city_id) for v in views] == [
        (TargetKind.PRACTITIONER, ds.profile_id, Channel.MOBILE, ds.city_ids["pune"]),
        (TargetKind.HOSPITAL, ds.hospital_id, Channel.MOBILE, ds.city_ids["pune"]),
        (TargetKind.DIAGNOSTIC_CENTER, ds.center_id, Channel.MOBILE, ds.city_ids["pune"]),
    ]
    stats = await models.DailyStat.filter(kind=EventKind.PROFILE_VIEW)
    assert sorted((s.target_kind, s.count, s.day) for s in stats) == sorted(
        (v.target_kind, 1, today_ist()) for v in views
    )


async def test_bookings_record_requested_and_honoured(
    http: Any, gql: GraphQLClient, app: Any, world: ReachWorld, tokens: TokenService
) -> None:
    ds = world.ds
    role = await models.PractitionerRole.get(practitioner_id=ds.profile_id)
    patient = {"authorization": f"Bearer {tokens.mint(Role.PATIENT, patient_id=world.people.a.id)}"}
    booking = {
        "practitionerRoleId": to_global_id("PractitionerRole", role.pk),
        "slotStart": next_monday_slot(10),
        "idempotencyKey": "reach-book-1",
    }
    for _ in range(2):  # the replay of the same key is not a second booking
        body = await run(gql, BOOK, {"input": booking}, patient)
        assert "errors" not in body, body["errors"]
    past = await models.Appointment.create(
        patient_id=world.people.b.id, role_id=role.pk, status=AppointmentStatus.BOOKED,
        slot_start=datetime.now(UTC) - timedelta(hours=2), idempotency_key="reach-past-1",
    )  # fmt: skip
    mark = (
        "mutation($id: ID!) { markAppointment(appointmentId: $id, outcome: HONOURED) { status } }"
    )
    partner = {"authorization": f"Bearer {tokens.mint(Role.PARTNER, partner_id=world.x)}"}
    body = await run(gql, mark, {"id": to_global_id("Appointment", past.pk)}, partner)
    assert body["data"]["markAppointment"]["status"] == "HONOURED"
    await app.state.events.flush()
    events = await models.ListingEvent.filter(
        kind__in=[EventKind.BOOKING_REQUESTED, EventKind.BOOKING_HONOURED]
    ).order_by("id")
    assert [(e.kind, e.target_kind, e.target_id, e.city_id) for e in events] == [
        (EventKind.BOOKING_REQUESTED, TargetKind.PRACTITIONER, ds.profile_id, ds.city_ids["pune"]),
        (EventKind.BOOKING_HONOURED, TargetKind.PRACTITIONER, ds.profile_id, ds.city_ids["pune"]),
    ]


async def test_incremental_stats_equal_a_full_recompute_and_it_is_idempotent(
    app: Any, world: ReachWorld
) -> None:
    app.state.events.record(synthetic_events(world, 20))
    await app.state.events.flush()
    incremental = await _stats()
    assert incremental
    first = await rollup()
    assert await _stats() == incremental
    second = await rollup()
    assert (first.days, first.rows) == (second.days, second.rows)
    assert await _stats() == incremental


async def test_rollup_never_touches_days_whose_raw_events_are_gone(
    app: Any, world: ReachWorld
) -> None:
    old_day = today_ist() - timedelta(days=200)
    await models.DailyStat.create(
        day=old_day, kind=EventKind.IMPRESSION, target_kind=TargetKind.PRACTITIONER,
        target_id=1000, channel=Channel.WEB, count=42,
    )  # fmt: skip
    app.state.events.record(synthetic_events(world, 3))
    await app.state.events.flush()
    horizon = await event_horizon()
    assert horizon is not None and horizon[0] > old_day
    report = await rollup(first=old_day)
    assert report.first == horizon[0]
    assert (await models.DailyStat.get(day=old_day)).count == 42


async def test_rollup_and_flushes_running_together_never_double_count(
    app: Any, world: ReachWorld
) -> None:
    recorder = app.state.events
    batches = [synthetic_events(world, 3, seed=s) for s in range(6)]
    for batch in batches:
        recorder.record(batch)
        await asyncio.gather(rollup(), recorder.flush(), rollup())
    await recorder.flush()
    concurrent = await _stats()
    await rollup()
    assert await _stats() == concurrent
    total = sum(len(b) for b in batches)
    assert sum(s.count for s in await models.DailyStat.all()) == total


async def test_events_land_on_their_indian_day(app: Any, world: ReachWorld) -> None:
    # 23:59 IST on one day and 00:00 IST the next are a minute apart, a day apart in stats.
    day = today_ist() - timedelta(days=2)
    boundary = day_start(day + timedelta(days=1))
    app.state.events.record(
        [
            ListingEvent(
                kind=EventKind.PROFILE_VIEW,
                target_kind=TargetKind.PRACTITIONER,
                target_id=1000,
                occurred_at=boundary + timedelta(minutes=m),
            )
            for m in (-1, 0)
        ]
    )
    await app.state.events.flush()
    days = sorted(s.day for s in await models.DailyStat.filter(kind=EventKind.PROFILE_VIEW))
    assert days == [day, day + timedelta(days=1)]
    await rollup()
    days = sorted(s.day for s in await models.DailyStat.filter(kind=EventKind.PROFILE_VIEW))
    assert days == [day, day + timedelta(days=1)]
    assert isinstance(days[0], date)
