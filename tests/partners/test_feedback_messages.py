"""Feedback requests: consent-gated, templated, opaque, retried, and their status recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import AppointmentStatus, DeliveryStatus
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.sandbox import RunningSandbox
from hmsdesk_graph.workers.outbox import MAX_ATTEMPTS, send_due_messages
from tests.factories import Dataset

MARK = "mutation($id: ID!) { markAppointment(appointmentId: $id, outcome: HONOURED) { status } }"
SECRETS = ("Lata Pawar", "9823456789", "lata@example.in")


async def _setup(
    dataset: Dataset, settings: Settings, consent: bool | None
) -> tuple[int, dict[str, str]]:
    from hmsdesk_graph.db.crypto import FieldCipher

    cipher = FieldCipher(settings.field_encryption_key)
    patient = await models.Patient.create(
        name_ciphertext=cipher.encrypt(SECRETS[0]),
        phone_ciphertext=cipher.encrypt("+91" + SECRETS[1]),
        phone_hash=cipher.lookup_hash(SECRETS[1], "phone"),
        email_ciphertext=cipher.encrypt(SECRETS[2]),
    )
    if consent is not None:
        await models.Consent.create(
            patient_id=patient.pk,
            purpose="FEEDBACK_REQUESTS",
            granted=consent,
            recorded_at=datetime.now(UTC),
        )
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    appointment = await models.Appointment.create(
        patient_id=patient.pk,
        role_id=role.pk,
        slot_start=datetime.now(UTC) - timedelta(hours=1),
        status=AppointmentStatus.BOOKED,
        idempotency_key="fb-1",
    )
    partner = await models.Partner.get(slug="aarogya-group")
    token = TokenService(settings).mint(Role.PARTNER, partner_id=partner.pk)
    return appointment.pk, {"authorization": f"Bearer {token}"}


async def test_honoured_appointment_with_consent_sends_one_templated_request(
    http: Any, dataset: Dataset, settings: Settings, sandbox: RunningSandbox, app: Any
) -> None:
    appointment_id, partner = await _setup(dataset, settings, consent=True)
    body = (
        await http.post(
            "/graphql",
            json={"query": MARK, "variables": {"id": to_global_id("Appointment", appointment_id)}},
            headers=partner,
        )
    ).json()
    assert body["data"]["markAppointment"]["status"] == "HONOURED"
    (row,) = await models.MessageDelivery.all()
    assert row.status is DeliveryStatus.QUEUED and row.template == "feedback_request"
    # Not before the delay; then sent once, even if the worker runs twice.
    assert (await send_due_messages(app.state.upstreams)).sent == 0
    later = datetime.now(UTC) + timedelta(hours=3)
    assert (await send_due_messages(app.state.upstreams, now=later)).sent == 1
    assert (await send_due_messages(app.state.upstreams, now=later)).sent == 0
    await row.refresh_from_db()
    assert row.status is DeliveryStatus.SENT and row.message_id and row.attempts == 1
    (message,) = sandbox.messages
    text = str(message)
    assert "feedback_request" in text and row.recipient_ref in text
    assert all(secret not in text for secret in SECRETS)


async def test_no_consent_no_message(
    http: Any, dataset: Dataset, settings: Settings, sandbox: RunningSandbox
) -> None:
    for consent in (None, False):
        await models.MessageDelivery.all().delete()
        await models.Appointment.filter(idempotency_key="fb-1").delete()
        await models.Patient.filter(email_ciphertext__isnull=False).delete()
        appointment_id, partner = await _setup(dataset, settings, consent=consent)
        await http.post(
            "/graphql",
            json={"query": MARK, "variables": {"id": to_global_id("Appointment", appointment_id)}},
            headers=partner,
        )
        assert await models.MessageDelivery.all().count() == 0


async def test_failures_are_retried_then_recorded(
    http: Any, dataset: Dataset, settings: Settings, sandbox: RunningSandbox, app: Any
) -> None:
    appointment_id, partner = await _setup(dataset, settings, consent=True)
    await http.post(
        "/graphql",
        json={"query": MARK, "variables": {"id": to_global_id("Appointment", appointment_id)}},
        headers=partner,
    )
    sandbox.faults.route("messaging").set("error_rate", 1.0)
    moment = datetime.now(UTC) + timedelta(hours=3)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = await send_due_messages(app.state.upstreams, now=moment)
        row = await models.MessageDelivery.get(appointment_id=appointment_id)
        assert row.attempts == attempt and row.last_error and "UPSTREAM" in row.last_error
        if attempt < MAX_ATTEMPTS:
            assert report.retrying == 1 and row.status is DeliveryStatus.QUEUED
            moment = row.next_attempt_at + timedelta(seconds=1)
        else:
            assert report.failed == 1 and row.status is DeliveryStatus.FAILED
