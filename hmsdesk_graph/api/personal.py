"""Root fields and mutations that touch personal data (DESIGN §6); merged into api.Query."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from hmsdesk_graph.api.reach import ReachMutation
from hmsdesk_graph.resolvers.accounts import (
    DeactivationPayload,
    ReactivationPayload,
    resolve_deactivate_my_account,
    resolve_reactivate_account,
)
from hmsdesk_graph.resolvers.bookings import (
    BookAppointmentPayload,
    RescheduleAppointmentPayload,
    resolve_book_appointment,
    resolve_cancel_appointment,
    resolve_mark_appointment,
    resolve_reschedule_appointment,
)
from hmsdesk_graph.resolvers.contact import ContactNumber, resolve_reveal_contact_number
from hmsdesk_graph.resolvers.lab_bookings import BookLabVisitPayload, resolve_book_lab_visit
from hmsdesk_graph.resolvers.patients import (
    ErasurePayload,
    resolve_erase_my_data,
    resolve_export_my_data,
    resolve_me,
    resolve_partner_appointments,
    resolve_patient,
    resolve_record_consent,
)
from hmsdesk_graph.resolvers.review_writes import (
    resolve_moderate_review,
    resolve_reply_to_review,
    resolve_submit_review,
)
from hmsdesk_graph.resolvers.staff import (
    AuditEntry,
    LocalityBenchmark,
    resolve_audit_log,
    resolve_locality_benchmarks,
)
from hmsdesk_graph.schema.care import Appointment, ConsentRecord, Patient
from hmsdesk_graph.schema.connection import Connection
from hmsdesk_graph.schema.providers import Review


@strawberry.type
class PersonalQuery:
    me: Patient | None = strawberry.field(
        resolver=resolve_me, description="The signed-in patient's own account."
    )
    patient: Patient | None = strawberry.field(
        resolver=resolve_patient,
        description="Staff only; personal fields need X-Access-Purpose and are audited.",
    )
    partner_appointments: Connection[Appointment] = strawberry.field(
        resolver=resolve_partner_appointments,
        description="A partner's own appointments (patient name and masked phone), latest first.",
    )
    audit_log: Connection[AuditEntry] = strawberry.field(
        resolver=resolve_audit_log, description="ADMIN only: audited reads of personal data."
    )
    locality_benchmarks: list[LocalityBenchmark] = strawberry.field(
        resolver=resolve_locality_benchmarks,
        description="INTERNAL: per-locality figures, suppressed for groups below 5.",
    )


@strawberry.type
class Mutation(ReachMutation):
    book_appointment: BookAppointmentPayload = strawberry.field(
        resolver=resolve_book_appointment,
        description="Book a slot (patient or guest); the same idempotencyKey books once.",
    )
    book_lab_visit: BookLabVisitPayload = strawberry.field(
        resolver=resolve_book_lab_visit,
        description="Book a lab test or health package at a diagnostic center (patient or"
        " guest), at the center or as a home collection, in one of its collection windows; the"
        " same idempotencyKey books once.",
    )
    cancel_appointment: Appointment = strawberry.field(resolver=resolve_cancel_appointment)
    reschedule_appointment: RescheduleAppointmentPayload = strawberry.field(
        resolver=resolve_reschedule_appointment,
        description="Move a booking to another offered slot (the patient or the treating"
        " partner); the old place is freed only when the new one is taken.",
    )
    mark_appointment: Appointment = strawberry.field(
        resolver=resolve_mark_appointment,
        description="The treating partner records HONOURED or a no-show.",
    )
    submit_review: Review = strawberry.field(
        resolver=resolve_submit_review,
        description="Review your own honoured appointment; published after the reply window.",
    )
    reply_to_review: Review = strawberry.field(resolver=resolve_reply_to_review)
    moderate_review: Review = strawberry.field(resolver=resolve_moderate_review)
    record_consent: ConsentRecord = strawberry.field(resolver=resolve_record_consent)
    export_my_data: JSON = strawberry.field(resolver=resolve_export_my_data)
    erase_my_data: ErasurePayload = strawberry.field(resolver=resolve_erase_my_data)
    deactivate_my_account: DeactivationPayload = strawberry.field(
        resolver=resolve_deactivate_my_account,
        description="Close your account for now: sign-ins refused, your name hidden on your"
        " reviews, your data kept (staff can reactivate it). Erasure is the final path.",
    )
    reactivate_account: ReactivationPayload = strawberry.field(
        resolver=resolve_reactivate_account,
        description="ADMIN: reopen a deactivated patient account (purpose stated, audited).",
    )
    reveal_contact_number: ContactNumber = strawberry.field(
        resolver=resolve_reveal_contact_number,
        description="A routed number that rings the practice (never its private number).",
    )
