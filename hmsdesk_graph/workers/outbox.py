"""Feedback requests after honoured appointments: queued in the database, sent by a worker.

Only patients who consented to FEEDBACK_REQUESTS get one. The message is a registered template
with opaque references (recipient, appointment) and a practitioner slug: no name, number or
free text. Sending retries with backoff; every attempt's outcome is recorded on the row.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import ConsentPurpose, DeliveryStatus
from hmsdesk_graph.errors import UpstreamTimeout, UpstreamUnavailable
from hmsdesk_graph.upstream import InvalidMessage, Upstreams
from hmsdesk_graph.workers.periodic import Periodic

logger = logging.getLogger("hmsdesk_graph.workers.outbox")

FEEDBACK_TEMPLATE = "feedback_request"
FEEDBACK_DELAY = timedelta(hours=2)  # after the visit, not during it
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1


def opaque_ref(prefix: str, value: int, secret: str) -> str:
    """A stable reference the messaging service resolves; it reveals nothing by itself."""
    digest = hmac.new(secret.encode(), f"{prefix}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{prefix}_{digest[:24]}"


async def has_consented(patient_id: int, purpose: ConsentPurpose) -> bool:
    latest = (
        await models.Consent.filter(patient_id=patient_id, purpose=purpose)
        .order_by("-recorded_at", "-id")
        .first()
    )
    return latest is not None and latest.granted


async def queue_feedback_request(
    appointment: models.Appointment, settings: Settings, now: datetime | None = None
) -> models.MessageDelivery | None:
    """Queue one feedback request for an honoured appointment, if the patient consented."""
    if appointment.patient_id is None or appointment.role_id is None:
        return None  # guests gave no consent; center visits get none yet
    if not await has_consented(appointment.patient_id, ConsentPurpose.FEEDBACK_REQUESTS):
        return None
    role = await models.PractitionerRole.get(id=appointment.role_id)
    practitioner = await models.Practitioner.get(id=role.practitioner_id)
    moment = now or datetime.now(UTC)
    try:
        return await models.MessageDelivery.create(
            appointment_id=appointment.pk,
            template=FEEDBACK_TEMPLATE,
            recipient_ref=opaque_ref("pat", appointment.patient_id, settings.secret_key),
            params={
                "appointment_ref": opaque_ref("apt", appointment.pk, settings.secret_key),
                "practitioner_slug": practitioner.slug,
            },
            idempotency_key=f"feedback-{appointment.pk}",
            next_attempt_at=moment + FEEDBACK_DELAY,
            created_at=moment,
        )
    except IntegrityError:
        return None  # already queued for this appointment


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


async def send_due_messages(
    upstreams: Upstreams, now: datetime | None = None, batch: int = 100
) -> SendReport:
    """Send queued messages whose time has come; record each outcome on its row."""
    moment = now or datetime.now(UTC)
    report = SendReport()
    due = (
        await models.MessageDelivery.filter(
            status=DeliveryStatus.QUEUED, next_attempt_at__lte=moment
        )
        .order_by("next_attempt_at", "id")
        .limit(batch)
    )
    for row in due:
        row.attempts += 1
        try:
            receipt = await upstreams.messaging.send(
                row.template, row.recipient_ref, row.params, key=row.idempotency_key
            )
        except InvalidMessage as exc:
            # A message that can never be valid is not retried.
            row.status, row.last_error = DeliveryStatus.FAILED, str(exc)[:200]
            report.failed += 1
        except (UpstreamUnavailable, UpstreamTimeout) as exc:
            row.last_error = f"{exc.code.value}: {exc.message}"[:200]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = DeliveryStatus.FAILED
                report.failed += 1
            else:
                row.next_attempt_at = moment + BACKOFF[row.attempts - 1]
                report.retrying += 1
        else:
            row.status, row.message_id = DeliveryStatus.SENT, receipt.message_id
            row.sent_at, row.last_error = moment, None
            report.sent += 1
        await row.save(
            update_fields=[
                "attempts",
                "status",
                "message_id",
                "sent_at",
                "last_error",
                "next_attempt_at",
            ]
        )
    return report


class OutboxWorker(Periodic):
    """Sends due messages every `interval_s` in the app's lifespan."""

    task_name = "hmsdesk-outbox"
    failure_message = "sending queued messages failed"

    def __init__(self, upstreams: Upstreams, interval_s: float = 30.0) -> None:
        super().__init__(interval_s)
        self.upstreams = upstreams

    async def run_once(self) -> None:
        """Send the messages that are due."""
        await send_due_messages(self.upstreams)
