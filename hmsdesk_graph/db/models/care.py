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
from hmsdesk_graph.db.models.links import EXACTLY_ONE_OWNER, ProviderOwned, link, optional_link


class Patient(Model):
    id = fields.IntField(primary_key=True)
    name_ciphertext = fields.TextField()
    phone_ciphertext = fields.TextField(null=True)
    phone_hash = fields.CharField(max_length=64, null=True, unique=True)
    email_ciphertext = fields.TextField(null=True)
    email_hash = fields.CharField(max_length=64, null=True, unique=True)
    city = optional_link("hmsdesk.City", fields.SET_NULL)
    city_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    erased_at = fields.DatetimeField(null=True)
    # Deactivated accounts keep their data; staff can reactivate them (erasure is final).
    deactivated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "patient"


class Appointment(Model):
    """A practice slot (role) or a diagnostic-center visit, never both."""

    id = fields.IntField(primary_key=True)
    patient = optional_link("hmsdesk.Patient", fields.SET_NULL)
    patient_id: int | None
    role = optional_link("hmsdesk.PractitionerRole", fields.RESTRICT)
    role_id: int | None
    diagnostic_center = optional_link("hmsdesk.DiagnosticCenter", fields.RESTRICT)
    diagnostic_center_id: int | None
    package = optional_link("hmsdesk.PricePackage", fields.SET_NULL)
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
    # A diagnostic-center visit books a collection window [slot_start, window_end).
    window_end = fields.DatetimeField(null=True)
    # Home collection: where to collect (personal data, erased with the patient) and the
    # extra fee the center charged when it was booked (0 or NULL: none).
    collection_address_ciphertext = fields.TextField(null=True)
    home_collection_fee_paise = fields.BigIntField(null=True)

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
    role = link("hmsdesk.PractitionerRole", fields.CASCADE)
    role_id: int
    slot_start = fields.DatetimeField()
    booked = fields.SmallIntField(default=0)
    capacity = fields.SmallIntField(default=1)

    class Meta:
        table = "slot_booking"
        unique_together = (("role", "slot_start"),)


class CenterSlotBooking(Model):
    """Booked count per diagnostic center, collection window and kind of visit.

    The same conditional UPDATE as `SlotBooking` makes each window's capacity atomic.
    """

    id = fields.IntField(primary_key=True)
    diagnostic_center = link("hmsdesk.DiagnosticCenter", fields.CASCADE)
    diagnostic_center_id: int
    slot_start = fields.DatetimeField()
    visit_kind = fields.CharEnumField(VisitKind)
    booked = fields.SmallIntField(default=0)
    capacity = fields.SmallIntField(default=1)

    class Meta:
        table = "center_slot_booking"
        unique_together = (("diagnostic_center", "slot_start", "visit_kind"),)


class Review(ProviderOwned):
    appointment = optional_link("hmsdesk.Appointment", fields.SET_NULL)
    appointment_id: int | None
    patient = optional_link("hmsdesk.Patient", fields.SET_NULL)
    patient_id: int | None
    target_kind = fields.CharEnumField(TargetKind)
    rating = fields.SmallIntField()
    recommend = fields.BooleanField()
    tags = fields.JSONField(default=list)
    wait_time = fields.CharEnumField(WaitTime, null=True)
    text = fields.TextField(default="")
    anonymous = fields.BooleanField(default=False)
    # Public by design: "Priya S." or "Verified patient"; set at submission, reset on erasure.
    author_display_name = fields.CharField(max_length=64)
    # The author's account is deactivated: the display name is hidden until reactivation.
    # Nullable (NULL reads as False) because tortoise's AddField cannot add a NOT NULL column
    # with a default to a table that has rows.
    author_hidden = fields.BooleanField(default=False, null=True)
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
            CheckConstraint(check=EXACTLY_ONE_OWNER, name="review_one_target"),
        )
