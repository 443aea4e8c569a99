"""`revealContactNumber`: a routed number from the telephony service, never a private one."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db.enums import EventKind, TargetKind
from hmsdesk_graph.errors import BadUserInput, RateLimited, UpstreamUnavailable
from hmsdesk_graph.events import ListingEvent
from hmsdesk_graph.permissions import not_found
from hmsdesk_graph.schema.node import from_global_id


@strawberry.type(description="A number that rings the practice; it expires.")
class ContactNumber:
    number: str
    extension: str | None
    expires_at: datetime


def _viewer_key(info: Info) -> str:
    viewer = info.context.viewer
    if not viewer.is_anonymous:
        return viewer.subject
    request = info.context.request
    host = request.client.host if request is not None and request.client else "unknown"
    return f"anonymous:{host}"


async def resolve_reveal_contact_number(
    info: Info, practitioner_role_id: strawberry.ID
) -> ContactNumber:
    """Allocate or reuse a routed number for a practice and record a CONTACT_REVEAL."""
    ctx = info.context
    kind, pk = from_global_id(practitioner_role_id)
    if kind != "PractitionerRole":
        raise BadUserInput("practitionerRoleId must be the ID of a practice.", argument="id")
    role = await ctx.loaders.role_by_id.load(pk)
    if role is None:
        raise not_found("practice")
    key = _viewer_key(info)
    if ctx.contact_limiter is not None and not ctx.contact_limiter.allow(key):
        raise RateLimited(
            "Too many numbers revealed recently: try again later.",
            limit=ctx.settings.contact_reveals_per_hour,
        )
    if ctx.upstreams is None:
        raise UpstreamUnavailable("The telephony service is not configured.")
    # An opaque, stable reference for the caller: the service never learns who they are.
    caller_ref = (
        "c"
        + hmac.new(ctx.settings.secret_key.encode(), key.encode(), hashlib.sha256).hexdigest()[:40]
    )
    routed = await ctx.upstreams.telephony.routed_number(role.pk, caller_ref, deadline=ctx.deadline)
    practitioner = await ctx.loaders.practitioner_by_id.load(role.practitioner_id)
    if ctx.events is not None:
        ctx.events.record(
            [
                ListingEvent(
                    kind=EventKind.CONTACT_REVEAL,
                    target_kind=TargetKind.PRACTITIONER,
                    target_id=role.practitioner_id,
                    channel=ctx.channel,
                    city_id=practitioner.city_id if practitioner else None,
                )
            ]
        )
    return ContactNumber(
        number=routed.number, extension=routed.extension, expires_at=routed.expires_at
    )
