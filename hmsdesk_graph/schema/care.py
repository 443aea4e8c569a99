"""Personal types: the patient's own profile, appointments, consents.

Objects of these types are only built after hmsdesk_graph.identity.permissions allowed the viewer to
see them; personal fields check again which form the viewer may see (full, masked or none)
and record staff reads in the audit trail.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime, timedelta
from decimal import Decimal

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import mask_phone
from hmsdesk_graph.db.enums import AppointmentStatus, ConsentPurpose, VisitKind
from hmsdesk_graph.identity.auth import Role
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.identity.permissions import audit_personal_read
from hmsdesk_graph.loaders.care import PatientAppointmentsKey
from hmsdesk_graph.pagination import Page, scope_of
from hmsdesk_graph.schema.columns import columns
from hmsdesk_graph.schema.connection import Connection, load_connection
from hmsdesk_graph.schema.linked import linked, listed
from hmsdesk_graph.schema.money import rupees
from hmsdesk_graph.schema.node import Node
from hmsdesk_graph.schema.providers import (
    DiagnosticCenter,
    PractitionerRole,
    PricePackage,
    Review,
    center_turnaround_hours,
)

for _enum in (AppointmentStatus, ConsentPurpose, VisitKind):
    strawberry.enum(_enum)


def display_name(full_name: str) -> str:
    """What a review shows: first name and the initial of the last ("Priya S.")."""
    parts = full_name.split()
    if not parts:
        return "Verified patient"
    if len(parts) == 1:
        return parts[0]
    return f"{parts[0]} {parts[-1][0].upper()}."


@strawberry.type(description="A booked consultation or diagnostic visit.")
class Appointment(Node):
    status: AppointmentStatus
    slot_start: datetime
    visit_kind: VisitKind
    confirmed: bool = strawberry.field(description="False while the practice must confirm it.")
    created_at: datetime
    _row: strawberry.Private[models.Appointment]

    @classmethod
    def from_row(cls, row: models.Appointment) -> Appointment:
        return cls(
            id=to_global_id("Appointment", row.pk),
            **columns(row, "status", "slot_start", "visit_kind", "created_at"),
            confirmed=row.confirmed is not False,
            _row=row,
        )

    @strawberry.field
    async def practice(self, info: Info) -> PractitionerRole | None:
        return await linked(
            info.context.loaders.role_by_id, self._row.role_id, PractitionerRole.from_row
        )

    @strawberry.field
    async def diagnostic_center(self, info: Info) -> DiagnosticCenter | None:
        center_id = self._row.diagnostic_center_id
        loader = info.context.loaders.diagnostic_center_by_id
        return await linked(loader, center_id, DiagnosticCenter.from_row)

    @strawberry.field(description="The lab test or health package booked at a center.")
    async def package(self, info: Info) -> PricePackage | None:
        if self._row.diagnostic_center_id is None:  # packages are booked at centers only
            return None
        loader = info.context.loaders.package_by_id
        return await linked(loader, self._row.package_id, PricePackage.from_row)

    @strawberry.field(
        description="A center visit's collection window ends here (it starts at slotStart)."
    )
    def collection_window_end(self) -> datetime | None:
        return self._row.window_end

    @strawberry.field(description="The extra fee the center charged for a home collection.")
    def home_collection_fee(self) -> Decimal | None:
        fee = self._row.home_collection_fee_paise
        if self._row.visit_kind is not VisitKind.HOME_COLLECTION or fee is None:
            return None
        return rupees(fee)

    @strawberry.field(
        description="Where the sample is collected: for the patient, the center and staff."
    )
    def home_collection_address(self, info: Info) -> str | None:
        if self._row.collection_address_ciphertext is None:
            return None
        audit_personal_read(info, "Appointment", self._row.pk, "homeCollectionAddress")
        return info.context.decrypt(self._row.collection_address_ciphertext)

    @strawberry.field(description="How long the center takes to report, in hours.")
    async def report_turnaround_hours(self, info: Info) -> int | None:
        return await center_turnaround_hours(info, self._row.diagnostic_center_id)

    @strawberry.field(description="When the reports are due: the window's end plus turnaround.")
    async def reports_expected_by(self, info: Info) -> datetime | None:
        hours = await center_turnaround_hours(info, self._row.diagnostic_center_id)
        if hours is None:
            return None
        collected = self._row.window_end or self._row.slot_start
        return collected + timedelta(hours=hours)

    async def _contact(self, info: Info) -> tuple[str | None, str | None]:
        row = self._row
        if row.patient_id is not None:
            patient = await info.context.loaders.patient_private_by_id.load(row.patient_id)
            if patient is None:
                return None, None
            return (
                info.context.decrypt(patient.name_ciphertext),
                info.context.decrypt(patient.phone_ciphertext),
            )
        return (
            info.context.decrypt(row.guest_name_ciphertext),
            info.context.decrypt(row.guest_phone_ciphertext),
        )

    @strawberry.field(description="The patient's name: for the patient, the practice and staff.")
    async def patient_name(self, info: Info) -> str | None:
        audit_personal_read(info, "Appointment", self._row.pk, "patientName")
        name, _ = await self._contact(info)
        return name

    @strawberry.field(description="Full for the patient and staff; masked for the practice.")
    async def patient_phone(self, info: Info) -> str | None:
        audit_personal_read(info, "Appointment", self._row.pk, "patientPhone")
        _, phone = await self._contact(info)
        if phone is None:
            return None
        return mask_phone(phone) if info.context.viewer.role is Role.PARTNER else phone


@strawberry.type(description="A patient's answer for one purpose, as last recorded.")
class ConsentRecord:
    purpose: ConsentPurpose
    granted: bool
    recorded_at: datetime


@strawberry.type(description="A patient's own account: only ever shown to that patient or staff.")
class Patient(Node):
    _row: strawberry.Private[models.Patient]

    @classmethod
    def from_row(cls, row: models.Patient) -> Patient:
        return cls(id=to_global_id("Patient", row.pk), _row=row)

    @strawberry.field
    def name(self, info: Info) -> str | None:
        audit_personal_read(info, "Patient", self._row.pk, "name")
        return info.context.decrypt(self._row.name_ciphertext)

    @strawberry.field
    def phone(self, info: Info) -> str | None:
        audit_personal_read(info, "Patient", self._row.pk, "phone")
        return info.context.decrypt(self._row.phone_ciphertext)

    @strawberry.field
    def email(self, info: Info) -> str | None:
        audit_personal_read(info, "Patient", self._row.pk, "email")
        return info.context.decrypt(self._row.email_ciphertext)

    @strawberry.field
    def erased(self) -> bool:
        return self._row.erased_at is not None

    @strawberry.field(description="Latest slot first.")
    async def appointments(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Appointment]:
        ctx = info.context

        def load(page: Page) -> Awaitable[list[models.Appointment]]:
            key = PatientAppointmentsKey(self._row.pk, page.first, page.after)
            return ctx.loaders.appointments_by_patient.load(key)

        async def count() -> int:
            return await models.Appointment.filter(patient_id=self._row.pk).count()

        scope = scope_of("Patient.appointments", patient=self._row.pk)
        node, key = Appointment.from_row, lambda a: (a.slot_start, a.pk)
        return await load_connection(info, scope, first, after, load, node, key, count)

    @strawberry.field(description="The patient's own reviews, in every status.")
    async def reviews(self, info: Info) -> list[Review]:
        loader = info.context.loaders.reviews_by_patient_id
        return await listed(loader, self._row.pk, Review.from_row)

    @strawberry.field(description="The current answer per purpose.")
    async def consents(self, info: Info) -> list[ConsentRecord]:
        rows = await info.context.loaders.consents_by_patient_id.load(self._row.pk)
        return [
            ConsentRecord(purpose=c.purpose, granted=c.granted, recorded_at=c.recorded_at)
            for c in rows
        ]
