"""Patients, appointments and reviews: the personal side of the marketplace.

Every personal value (name, phone, email, guest contact) is stored as ciphertext with a keyed
hash for lookup; a review's author and appointment are private links.
"""

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from hmsdesk_graph.db.enums import (
    AppointmentStatus,
    ReviewStatus,
    TargetKind,
    VisitKind,
    WaitTime,
)


class Patient(Model):
    id = fields.IntField(primary_key=True)
    name_ciphertext = fields.TextField()
    phone_ciphertext = fields.TextField(null=True)
    phone_hash = fields.CharField(max_length=64, null=True, unique=True)
    email_ciphertext = fields.TextField(null=True)
    email_hash = fields.CharField(max_length=64, null=True, unique=True)
    city = fields.ForeignKeyField(
        "hmsdesk.City", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    city_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    erased_at = fields.DatetimeField(null=True)

    class Meta:
        table = "patient"


class Appointment(Model):
    """A practice slot (role) or a diagnostic-center visit, never both."""

    id = fields.IntField(primary_key=True)
    patient = fields.ForeignKeyField(
        "hmsdesk.Patient", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    patient_id: int | None
    role = fields.ForeignKeyField(
        "hmsdesk.PractitionerRole", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    role_id: int | None
    diagnostic_center = fields.ForeignKeyField(
        "hmsdesk.DiagnosticCenter", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    diagnostic_center_id: int | None
    package = fields.ForeignKeyField(
        "hmsdesk.PricePackage", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    package_id: int | None
    visit_kind = fields.CharEnumField(VisitKind, default=VisitKind.CONSULTATION)
    slot_start = fields.DatetimeField()
    status = fields.CharEnumField(AppointmentStatus, default=AppointmentStatus.BOOKED)
    # False while a REQUEST-mode booking waits for the practice; NULL (older rows) = confirmed.
    confirmed = fields.BooleanField(null=True, default=True)
    guest_name_ciphertext = fields.TextField(null=True)
    guest_phone_ciphertext = fields.TextField(null=True)
    guest_phone_hash = fields.CharField(max_length=64, null=True, db_index=True)
    idempotency_key = fields.CharField(max_length=128, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "appointment"
        indexes = (
            ("role_id", "slot_start"),
            ("diagnostic_center_id", "slot_start"),
            ("patient_id",),
        )
        constraints = (
            CheckConstraint(
                check="(role_id IS NULL) <> (diagnostic_center_id IS NULL)",
                name="appointment_one_place",
            ),
        )


class SlotBooking(Model):
    """Booked count per role and slot: a conditional UPDATE on it makes capacity atomic."""

    id = fields.IntField(primary_key=True)
    role = fields.ForeignKeyField(
        "hmsdesk.PractitionerRole", related_name=False, on_delete=fields.CASCADE
    )
    role_id: int
    slot_start = fields.DatetimeField()
    booked = fields.SmallIntField(default=0)
    capacity = fields.SmallIntField(default=1)

    class Meta:
        table = "slot_booking"
        unique_together = (("role", "slot_start"),)


class Review(Model):
    id = fields.IntField(primary_key=True)
    appointment = fields.ForeignKeyField(
        "hmsdesk.Appointment", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    appointment_id: int | None
    patient = fields.ForeignKeyField(
        "hmsdesk.Patient", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    patient_id: int | None
    target_kind = fields.CharEnumField(TargetKind)
    practitioner = fields.ForeignKeyField(
        "hmsdesk.Practitioner", related_name=False, null=True, on_delete=fields.CASCADE
    )
    practitioner_id: int | None
    hospital = fields.ForeignKeyField(
        "hmsdesk.Hospital", related_name=False, null=True, on_delete=fields.CASCADE
    )
    hospital_id: int | None
    diagnostic_center = fields.ForeignKeyField(
        "hmsdesk.DiagnosticCenter", related_name=False, null=True, on_delete=fields.CASCADE
    )
    diagnostic_center_id: int | None
    rating = fields.SmallIntField()
    recommend = fields.BooleanField()
    tags = fields.JSONField(default=list)
    wait_time = fields.CharEnumField(WaitTime, null=True)
    text = fields.TextField(default="")
    anonymous = fields.BooleanField(default=False)
    # Public by design: "Priya S." or "Verified patient"; set at submission, reset on erasure.
    author_display_name = fields.CharField(max_length=64)
    verified_patient = fields.BooleanField(default=True)
    status = fields.CharEnumField(ReviewStatus, default=ReviewStatus.PENDING)
    rejection_reason = fields.CharField(max_length=200, null=True)
    reply_text = fields.TextField(null=True)
    replied_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    published_at = fields.DatetimeField(null=True)

    class Meta:
        table = "review"
        unique_together = (("appointment", "target_kind"),)
        indexes = (
            ("practitioner_id", "status", "created_at", "id"),
            ("hospital_id", "status", "created_at", "id"),
            ("diagnostic_center_id", "status", "created_at", "id"),
        )
        constraints = (
            CheckConstraint(check="rating BETWEEN 1 AND 5", name="review_rating_range"),
            CheckConstraint(
                check=(
                    "(CASE WHEN practitioner_id IS NULL THEN 0 ELSE 1 END"
                    " + CASE WHEN hospital_id IS NULL THEN 0 ELSE 1 END"
                    " + CASE WHEN diagnostic_center_id IS NULL THEN 0 ELSE 1 END) = 1"
                ),
                name="review_one_target",
            ),
        )
