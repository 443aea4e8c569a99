"""The Reach funnel counts lab and health-package bookings for their diagnostic center."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import AppointmentStatus, EventKind, PackageKind, TargetKind, VisitKind
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from tests.conftest import GraphQLClient
from tests.privacy.test_bookings import next_monday_slot
from tests.privacy.test_lab_bookings import BOOK_LAB, HOURS
from tests.reach.conftest import Viewers, run
from tests.reach.test_dashboard import ENTITY
from tests.reach.world import ReachWorld, day_range


async def test_center_funnel_counts_lab_bookings_requested_and_honoured(
    gql: GraphQLClient, app: Any, world: ReachWorld, viewers: Viewers, tokens: TokenService
) -> None:
    ds = world.ds
    await models.DiagnosticCenter.filter(id=ds.center_id).update(weekly_hours=HOURS)
    package = await models.PricePackage.get(
        diagnostic_center_id=ds.center_id, kind=PackageKind.LAB_TEST
    )
    patient = {"authorization": f"Bearer {tokens.mint(Role.PATIENT, patient_id=world.people.a.id)}"}
    booking = {
        "packageId": to_global_id("PricePackage", package.pk),
        "slotStart": next_monday_slot(8),
        "idempotencyKey": "reach-lab-1",
    }
    for _ in range(2):  # the replay of the same key is not a second booking
        body = await run(gql, BOOK_LAB, {"input": booking}, patient)
        assert "errors" not in body, body["errors"]
    home = {
        **booking,
        "idempotencyKey": "reach-lab-2",
        "guest": {"name": "Meera Joshi", "phone": "+919822644551"},
        "homeCollection": {"address": "Flat 7, Karve Nagar Lane 4", "pincode": "411052"},
    }
    body = await run(gql, BOOK_LAB, {"input": home}, {})
    assert "errors" not in body, body["errors"]
    past = await models.Appointment.create(
        patient_id=world.people.b.id, diagnostic_center_id=ds.center_id, package_id=package.pk,
        visit_kind=VisitKind.WALK_IN, status=AppointmentStatus.BOOKED,
        slot_start=datetime.now(UTC) - timedelta(hours=3), idempotency_key="reach-lab-past",
    )  # fmt: skip
    mark = (
        "mutation($id: ID!) { markAppointment(appointmentId: $id, outcome: HONOURED) { status } }"
    )
    body = await run(gql, mark, {"id": to_global_id("Appointment", past.pk)}, viewers.x)
    assert body["data"]["markAppointment"]["status"] == "HONOURED"
    await app.state.events.flush()

    events = await models.ListingEvent.filter(
        kind__in=[EventKind.BOOKING_REQUESTED, EventKind.BOOKING_HONOURED]
    ).order_by("id")
    assert [(e.kind, e.target_kind, e.target_id) for e in events] == [
        (EventKind.BOOKING_REQUESTED, TargetKind.DIAGNOSTIC_CENTER, ds.center_id),
        (EventKind.BOOKING_REQUESTED, TargetKind.DIAGNOSTIC_CENTER, ds.center_id),
        (EventKind.BOOKING_HONOURED, TargetKind.DIAGNOSTIC_CENTER, ds.center_id),
    ]
    first, last = day_range(7)
    variables = {
        "id": to_global_id("DiagnosticCenter", ds.center_id),
        "from": first.isoformat(),
        "to": last.isoformat(),
    }
    body = await run(gql, ENTITY, variables, viewers.x)
    assert "errors" not in body, body["errors"]
    funnel = body["data"]["reach"]["entity"]["funnel"]
    assert (funnel["bookingsRequested"], funnel["bookingsHonoured"]) == (2, 1)
    today = [d for d in body["data"]["reach"]["entity"]["daily"] if d["day"] == last.isoformat()]
    assert today[0]["funnel"]["bookingsRequested"] == 2
    # Another partner's dashboard cannot see the center at all.
    assert (await run(gql, ENTITY, variables, viewers.y))["data"]["reach"]["entity"] is None
