"""The patient's own data (me, consent, export, erasure), the practice's appointment list,
and staff access to a patient (purpose stated, every read audited)."""

from __future__ import annotations

import contextlib
import hashlib
from datetime import UTC, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from tortoise.transactions import in_transaction

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import ConsentPurpose, ErasureStatus
from hmsdesk_graph.db.sql import SqlBuilder, models_from_rows
from hmsdesk_graph.errors import BadUserInput
from hmsdesk_graph.identity.global_ids import from_global_id
from hmsdesk_graph.identity.permissions import (
    not_found,
    require_active_patient,
    require_partner,
    require_staff,
)
from hmsdesk_graph.pagination import Page, scope_of
from hmsdesk_graph.schema.care import Appointment, ConsentRecord, Patient
from hmsdesk_graph.schema.connection import Connection, load_connection

ERASURE_SERVICES = ("practice", "messaging", "telephony")
ERASED_NAME = "Erased patient"


async def resolve_me(info: Info) -> Patient | None:
    """The signed-in patient's own account."""
    patient_id = await require_active_patient(info)
    row = await info.context.loaders.patient_private_by_id.load(patient_id)
    if row is None:
        raise not_found("patient")
    return Patient.from_row(row)


async def resolve_record_consent(
    info: Info, purpose: ConsentPurpose, granted: bool
) -> ConsentRecord:
    """Record (or withdraw) consent for one purpose; history is kept."""
    patient_id = await require_active_patient(info)
    row = await models.Consent.create(
        patient_id=patient_id, purpose=purpose, granted=granted, recorded_at=datetime.now(UTC)
    )
    return ConsentRecord(purpose=row.purpose, granted=row.granted, recorded_at=row.recorded_at)


async def resolve_export_my_data(info: Info) -> JSON:
    """Everything HMSDESK holds about the signed-in patient, as one JSON document."""
    ctx = info.context
    patient_id = await require_active_patient(info)
    patient = await ctx.loaders.patient_private_by_id.load(patient_id)
    if patient is None:
        raise not_found("patient")
    appointments = await models.Appointment.filter(patient_id=patient_id).order_by("slot_start")
    reviews = await models.Review.filter(patient_id=patient_id).order_by("created_at")
    consents = await models.Consent.filter(patient_id=patient_id).order_by("recorded_at")
    document: dict[str, Any] = {
        "exportedAt": datetime.now(UTC).isoformat(),
        "profile": {
            "name": ctx.decrypt(patient.name_ciphertext),
            "phone": ctx.decrypt(patient.phone_ciphertext),
            "email": ctx.decrypt(patient.email_ciphertext),
            "createdAt": patient.created_at.isoformat(),
        },
        "appointments": [
            {
                "slotStart": a.slot_start.isoformat(),
                "status": a.status.value,
                "practitionerRoleId": a.role_id,
                "diagnosticCenterId": a.diagnostic_center_id,
                "visitKind": a.visit_kind.value,
                "homeCollectionAddress": ctx.decrypt(a.collection_address_ciphertext),
            }
            for a in appointments
        ],
        "reviews": [
            {
                "target": r.target_kind.value,
                "rating": r.rating,
                "recommend": r.recommend,
                "text": r.text,
                "anonymous": r.anonymous,
                "status": r.status.value,
                "createdAt": r.created_at.isoformat(),
            }
            for r in reviews
        ],
        "consents": [
            {
                "purpose": c.purpose.value,
                "granted": c.granted,
                "recordedAt": c.recorded_at.isoformat(),
            }
            for c in consents
        ],
    }
    return JSON(document)


@strawberry.type
class ErasurePayload:
    erased: bool
    partner_requests_queued: int


def patient_reference(patient_id: int) -> str:
    """An opaque reference partner services know the patient by, never the identity."""
    return hashlib.sha256(f"hmsdesk-patient:{patient_id}".encode()).hexdigest()[:32]


async def resolve_erase_my_data(info: Info, confirm: bool) -> ErasurePayload:
    """Delete the patient's personal data, anonymise their reviews, keep aggregates, and
    queue erasure at partner services: all in one transaction."""
    ctx = info.context
    patient_id = await require_active_patient(info)
    if not confirm:
        raise BadUserInput("Pass confirm: true to erase your data; this cannot be undone.")
    assert ctx.cipher is not None
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        updated = (
            await models.Patient.filter(id=patient_id)
            .using_db(conn)
            .update(
                name_ciphertext=ctx.cipher.encrypt(ERASED_NAME),
                phone_ciphertext=None,
                phone_hash=None,
                email_ciphertext=None,
                email_hash=None,
                erased_at=now,
            )
        )
        if not updated:
            raise not_found("patient")
        await (
            models.Review.filter(patient_id=patient_id)
            .using_db(conn)
            .update(patient_id=None, anonymous=True, author_display_name="Verified patient")
        )
        await (
            models.Appointment.filter(patient_id=patient_id)
            .using_db(conn)
            .update(
                patient_id=None,
                guest_name_ciphertext=None,
                guest_phone_ciphertext=None,
                guest_phone_hash=None,
                collection_address_ciphertext=None,
            )
        )
        await models.Consent.filter(patient_id=patient_id).using_db(conn).delete()
        await models.ErasureRequest.bulk_create(
            [
                models.ErasureRequest(
                    patient_ref=patient_reference(patient_id),
                    service=service,
                    status=ErasureStatus.QUEUED,
                    requested_at=now,
                )
                for service in ERASURE_SERVICES
            ],
            using_db=conn,
        )
    with contextlib.suppress(KeyError):  # strawberry's clear() raises for an uncached key
        ctx.loaders.patient_private_by_id.clear(patient_id)
    return ErasurePayload(erased=True, partner_requests_queued=len(ERASURE_SERVICES))


async def resolve_patient(info: Info, id: strawberry.ID) -> Patient | None:
    """Staff only: a patient by ID; each personal field read needs a purpose and is audited."""
    require_staff(info.context.viewer)
    kind, pk = from_global_id(id)
    row = await info.context.loaders.patient_private_by_id.load(pk) if kind == "Patient" else None
    if row is None:
        raise not_found("patient")
    return Patient.from_row(row)


def _owned_by(q: SqlBuilder, partner_id: int) -> str:
    """Appointments at the partner's hospitals, practitioners or diagnostic centers."""
    partner = q.p(partner_id)
    return (
        "(EXISTS (SELECT 1 FROM practitioner_role r JOIN hospital h ON h.id = r.hospital_id"
        " JOIN practitioner p ON p.id = r.practitioner_id WHERE r.id = t.role_id"
        f" AND (h.partner_id = {partner} OR p.partner_id = {partner}))"
        " OR EXISTS (SELECT 1 FROM diagnostic_center c WHERE c.id = t.diagnostic_center_id"
        f" AND c.partner_id = {partner}))"
    )


async def resolve_partner_appointments(
    info: Info, first: int | None = None, after: str | None = None
) -> Connection[Appointment]:
    """The partner's own appointments (its hospitals, practitioners and centers), latest first."""
    ctx = info.context
    partner_id = require_partner(ctx.viewer)
    scope = scope_of("partnerAppointments", partner=partner_id)

    async def load(page: Page) -> list[models.Appointment]:
        q = SqlBuilder()
        where = [_owned_by(q, partner_id)]
        if page.after is not None:
            slot, appointment_id = page.after
            assert isinstance(slot, datetime)
            where.append(f"(t.slot_start, t.id) < ({q.dt(slot)}, {q.p(appointment_id)})")
        private_columns = ", ".join(f't."{c}"' for c in sorted(models.Appointment._meta.db_fields))
        rows = models_from_rows(
            models.Appointment,
            await q.fetch(
                f"SELECT {private_columns} FROM appointment t WHERE {' AND '.join(where)}"
                f" ORDER BY t.slot_start DESC, t.id DESC LIMIT {q.p(page.first + 1)}"
            ),
        )
        ctx.loaders.appointment_private_by_id.prime_many({a.pk: a for a in rows})
        return rows

    async def count() -> int:
        cq = SqlBuilder()
        n = await cq.fetch(
            f"SELECT COUNT(*) AS n FROM appointment t WHERE {_owned_by(cq, partner_id)}"
        )
        return int(n[0]["n"])

    node, key = Appointment.from_row, lambda a: (a.slot_start, a.pk)
    return await load_connection(info, scope, first, after, load, node, key, count)
