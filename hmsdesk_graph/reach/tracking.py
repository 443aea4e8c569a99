"""Recording the funnel's listing events from the resolvers: profile views and bookings.

Events go to the request's recorder (written behind the response) and carry only the
listing, the channel and the city: never the patient, the appointment or an IP address.
"""

from __future__ import annotations

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import EventKind, TargetKind
from hmsdesk_graph.workers.events import ListingEvent

Listing = models.Practitioner | models.Hospital | models.DiagnosticCenter
_KINDS: dict[type[Listing], TargetKind] = {
    models.Practitioner: TargetKind.PRACTITIONER,
    models.Hospital: TargetKind.HOSPITAL,
    models.DiagnosticCenter: TargetKind.DIAGNOSTIC_CENTER,
}


def record_event(info: Info, kind: EventKind, listing: Listing) -> None:
    """Buffer one event about a listing (no-op when the request has no recorder)."""
    recorder = info.context.events
    if recorder is None:
        return
    recorder.record(
        [
            ListingEvent(
                kind=kind,
                target_kind=_KINDS[type(listing)],
                target_id=listing.pk,
                channel=info.context.channel,
                city_id=listing.city_id,
            )
        ]
    )


def record_profile_view(info: Info, listing: Listing) -> None:
    """A profile page was fetched by slug."""
    record_event(info, EventKind.PROFILE_VIEW, listing)


async def record_booking(info: Info, kind: EventKind, appointment: models.Appointment) -> None:
    """A booking was requested or honoured: counted for the practitioner, or the center."""
    loaders = info.context.loaders
    listing: Listing | None = None
    if appointment.role_id is not None:
        role = await loaders.role_by_id.load(appointment.role_id)
        if role is not None:
            listing = await loaders.practitioner_by_id.load(role.practitioner_id)
    elif appointment.diagnostic_center_id is not None:
        listing = await loaders.diagnostic_center_by_id.load(appointment.diagnostic_center_id)
    if listing is not None:
        record_event(info, kind, listing)
