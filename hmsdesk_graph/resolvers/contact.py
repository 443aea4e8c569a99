"""`revealContactNumber`: a routed number from the telephony service, never a private one.

While the telephony service fails, the number this same caller was last given for this
practice is served again if it is still valid and within HMSDESK_STALE_MAX_AGE_S (marked
stale, with a STALE_DATA warning). It is kept per (practice, caller): one viewer is never
served a number routed for another.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db.enums import EventKind, TargetKind
from hmsdesk_graph.errors import UpstreamTimeout, UpstreamUnavailable
from hmsdesk_graph.guards.ratelimit import Limit
from hmsdesk_graph.identity.global_ids import pk_of
from hmsdesk_graph.identity.permissions import not_found
from hmsdesk_graph.ops import metrics
from hmsdesk_graph.workers.events import ListingEvent


@strawberry.type(description="A number that rings the practice; it expires.")
class ContactNumber:
    number: str
    extension: str | None
    expires_at: datetime
    stale: bool = strawberry.field(
        default=False,
        description="True when the telephony service failed and this is the number you were"
        " given earlier (still valid): see `asOf` and the STALE_DATA warning.",
    )
    as_of: datetime | None = strawberry.field(
        default=None, description="When a stale number was given (null when live)."
    )


async def resolve_reveal_contact_number(
    info: Info, practitioner_role_id: strawberry.ID
) -> ContactNumber:
    """Allocate or reuse a routed number for a practice and record a CONTACT_REVEAL."""
    ctx = info.context
    pk = pk_of(
        practitioner_role_id,
        "PractitionerRole",
        "practitionerRoleId must be the ID of a practice.",
        "id",
    )
    role = await ctx.loaders.role_by_id.load(pk)
    if role is None:
        raise not_found("practice")
    await ctx.limit(Limit.CONTACT_REVEALS)
    key = ctx.client_key()
    if ctx.upstreams is None:
        raise UpstreamUnavailable("The telephony service is not configured.")
    # An opaque, stable reference for the caller: the service never learns who they are.
    caller_ref = (
        "c"
        + hmac.new(ctx.settings.secret_key.encode(), key.encode(), hashlib.sha256).hexdigest()[:40]
    )
    try:
        routed = await ctx.upstreams.telephony.routed_number(
            role.pk, caller_ref, deadline=ctx.deadline
        )
    except (UpstreamUnavailable, UpstreamTimeout):
        kept = await ctx.last_good.number(role.pk, caller_ref) if ctx.last_good else None
        if kept is None:
            metrics.cache_lookups("last_good_number", 0, 1)
            raise
        metrics.cache_lookups("last_good_number", 1, 0)
        ctx.warn_stale(info.path.as_list(), "telephony", kept.as_of)
        answer = ContactNumber(
            number=kept.number,
            extension=kept.extension,
            expires_at=kept.expires_at,
            stale=True,
            as_of=kept.as_of,
        )
    else:
        if ctx.last_good is not None:
            await ctx.last_good.keep_number(
                role.pk, caller_ref, routed.number, routed.extension, routed.expires_at
            )
        answer = ContactNumber(
            number=routed.number, extension=routed.extension, expires_at=routed.expires_at
        )
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
    return answer
