"""Writing reviews: a patient reviews an honoured appointment; the provider replies; staff
moderate; reviews publish once the provider's reply window has passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import AppointmentStatus, ReviewStatus, TargetKind, WaitTime
from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.errors import BadUserInput, Conflict
from hmsdesk_graph.guards.ratelimit import Limit
from hmsdesk_graph.guards.text_limits import TextLimit, check_text
from hmsdesk_graph.identity.global_ids import from_global_id
from hmsdesk_graph.identity.permissions import (
    not_found,
    require_active_patient,
    require_partner,
    require_staff,
    target_partner_id,
)
from hmsdesk_graph.identity.scrub import scrub_contacts
from hmsdesk_graph.schema.care import display_name
from hmsdesk_graph.schema.providers import Review

strawberry.enum(TargetKind)
TAGS = {
    "explains-well",
    "friendly",
    "on-time",
    "clean",
    "value-for-money",
    "long-wait",
    "rushed",
    "helpful-staff",
}


@strawberry.input
class SubmitReviewInput:
    appointment_id: strawberry.ID
    target: TargetKind
    rating: int
    recommend: bool
    text: str = ""
    tags: list[str] = strawberry.field(default_factory=list)
    wait_time: WaitTime | None = None
    anonymous: bool = False


@strawberry.enum
class ModerationAction(Enum):
    PUBLISH = "PUBLISH"
    REJECT = "REJECT"


def _prose_limit(info: Info) -> TextLimit:
    """Review and reply text: the limits the endpoint checks before execution, again here."""
    settings = info.context.settings
    return TextLimit(settings.review_text_max_chars, settings.review_text_max_words)


async def _target_columns(appointment: models.Appointment, target: TargetKind) -> dict[str, Any]:
    """The review's target column: the appointment's practitioner, hospital or center."""
    if target is TargetKind.DIAGNOSTIC_CENTER:
        if appointment.diagnostic_center_id is None:
            raise BadUserInput(
                "This appointment was not at a diagnostic center.", argument="target"
            )
        return {"diagnostic_center_id": appointment.diagnostic_center_id}
    if appointment.role_id is None:
        raise BadUserInput("This appointment was not at a practice.", argument="target")
    role = await models.PractitionerRole.get(id=appointment.role_id)
    if target is TargetKind.PRACTITIONER:
        return {"practitioner_id": role.practitioner_id}
    return {"hospital_id": role.hospital_id}


async def resolve_submit_review(info: Info, input: SubmitReviewInput) -> Review:
    """Review an honoured appointment of your own, once per appointment and target."""
    patient_id = await require_active_patient(info)
    kind, pk = from_global_id(input.appointment_id)
    appointment = await models.Appointment.get_or_none(id=pk) if kind == "Appointment" else None
    if appointment is None or appointment.patient_id != patient_id:
        raise not_found("appointment")
    if appointment.status is not AppointmentStatus.HONOURED:
        raise BadUserInput("Only an honoured (attended) appointment can be reviewed.")
    if not 1 <= input.rating <= 5:
        raise BadUserInput("rating must be 1 to 5.", argument="rating")
    check_text(input.text, "input.text", _prose_limit(info))
    unknown = sorted(set(input.tags) - TAGS)
    if unknown:
        raise BadUserInput(f"Unknown tags: {', '.join(unknown)}.", argument="tags")
    target = await _target_columns(appointment, input.target)
    if await models.Review.filter(appointment_id=appointment.pk, target_kind=input.target).exists():
        raise Conflict("You already reviewed this appointment for that target.")
    await info.context.limit(Limit.REVIEWS)
    patient = await info.context.loaders.patient_private_by_id.load(patient_id)
    name = info.context.decrypt(patient.name_ciphertext) if patient else None
    review = await models.Review.create(
        appointment_id=appointment.pk,
        patient_id=patient_id,
        target_kind=input.target,
        rating=input.rating,
        recommend=input.recommend,
        tags=sorted(set(input.tags)),
        wait_time=input.wait_time,
        text=scrub_contacts(input.text.strip()),
        anonymous=input.anonymous,
        author_display_name="Verified patient"
        if input.anonymous or not name
        else display_name(name),
        verified_patient=True,
        status=ReviewStatus.PENDING,
        **target,
    )
    return Review.from_row(review)


async def resolve_reply_to_review(info: Info, review_id: strawberry.ID, text: str) -> Review:
    """The reviewed provider's partner answers a review (once; a new reply replaces it)."""
    partner_id = require_partner(info.context.viewer)
    kind, pk = from_global_id(review_id)
    review = await models.Review.get_or_none(id=pk) if kind == "Review" else None
    if review is None or review.status is ReviewStatus.REJECTED:
        raise not_found("review")
    if await target_partner_id(review) != partner_id:
        raise not_found("review")
    check_text(text, "text", _prose_limit(info))  # before scrubbing: bounded work
    cleaned = scrub_contacts(text.strip())
    if not cleaned:
        raise BadUserInput("text must not be empty.", argument="text")
    review.reply_text = cleaned
    review.replied_at = datetime.now(UTC)
    await review.save(update_fields=["reply_text", "replied_at"])
    return Review.from_row(review)


async def resolve_moderate_review(
    info: Info, review_id: strawberry.ID, action: ModerationAction, reason: str | None = None
) -> Review:
    """Staff publish or reject a review (rejection needs a reason)."""
    require_staff(info.context.viewer)
    kind, pk = from_global_id(review_id)
    review = await models.Review.get_or_none(id=pk) if kind == "Review" else None
    if review is None:
        raise not_found("review")
    if action is ModerationAction.REJECT:
        if not reason or not reason.strip():
            raise BadUserInput("Give a reason to reject a review.", argument="reason")
        review.status = ReviewStatus.REJECTED
        review.rejection_reason = reason.strip()[:200]
    else:
        review.status = ReviewStatus.PUBLISHED
        review.published_at = datetime.now(UTC)
    await review.save(update_fields=["status", "rejection_reason", "published_at"])
    await _refresh_target(review)
    return Review.from_row(review)


async def _refresh_target(review: models.Review) -> None:
    await refresh_search_columns(
        practitioner_ids=[review.practitioner_id] if review.practitioner_id else None,
        hospital_ids=[review.hospital_id] if review.hospital_id else None,
        center_ids=[review.diagnostic_center_id] if review.diagnostic_center_id else None,
    )


async def publish_due_reviews(reply_window: timedelta, now: datetime | None = None) -> int:
    """Publish pending reviews older than the provider's reply window; returns how many."""
    cutoff = (now or datetime.now(UTC)) - reply_window
    due = await models.Review.filter(status=ReviewStatus.PENDING, created_at__lte=cutoff)
    for review in due:
        updated = await models.Review.filter(id=review.pk, status=ReviewStatus.PENDING).update(
            status=ReviewStatus.PUBLISHED, published_at=datetime.now(UTC)
        )
        if updated:
            await _refresh_target(review)
    return len(due)
