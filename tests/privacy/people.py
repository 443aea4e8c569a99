"""People for privacy tests: two patients, a guest, two partners, appointments and reviews.

Every personal value here is a secret that the matrix test looks for in every response and log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.db.enums import AppointmentStatus, ReviewStatus, TargetKind
from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.identity.auth import Role, TokenService
from tests.factories import Dataset

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Person:
    id: int
    name: str
    phone: str
    email: str


@dataclass
class People:
    a: Person
    b: Person
    guest_name: str
    guest_phone: str
    partner_x: int  # owns the Pune hospital (and the diagnostic center)
    partner_y: int  # owns the Mumbai clinic
    a_appointment: int  # A at partner X, honoured
    a_upcoming: int  # A at partner X, booked
    b_appointment: int  # B at partner Y, honoured
    guest_appointment: int  # a guest at partner X
    a_anonymous_review: int
    a_named_review: int

    def secrets(self) -> dict[str, str]:
        return {
            "A.name": self.a.name,
            "A.phone": self.a.phone,
            "A.email": self.a.email,
            "B.name": self.b.name,
            "B.phone": self.b.phone,
            "B.email": self.b.email,
            "guest.name": self.guest_name,
            "guest.phone": self.guest_phone,
        }


async def _patient(cipher: FieldCipher, name: str, phone: str, email: str) -> Person:
    row = await models.Patient.create(
        name_ciphertext=cipher.encrypt(name),
        phone_ciphertext=cipher.encrypt(phone),
        phone_hash=cipher.lookup_hash(phone, "phone"),
        email_ciphertext=cipher.encrypt(email),
        email_hash=cipher.lookup_hash(email, "email"),
    )
    return Person(row.pk, name, phone, email)


async def build_people(ds: Dataset, cipher: FieldCipher) -> People:
    a = await _patient(cipher, "Ananya Deshpande", "+919850011223", "ananya.d@example.in")
    b = await _patient(cipher, "Bhavesh Mehta", "+919920044556", "bhavesh.m@example.in")
    x = await models.Partner.get(slug="aarogya-group")
    y = await models.Partner.create(slug="bandra-care", name="Bandra Care")
    await models.Hospital.filter(slug=ds.small_hospital_slug).update(partner_id=y.pk)
    await models.DiagnosticCenter.filter(id=ds.center_id).update(partner_id=x.pk)
    role_x = await models.PractitionerRole.get(practitioner_id=ds.profile_id)
    role_y = await models.PractitionerRole.get(practitioner_id=2000)

    a1 = await models.Appointment.create(
        patient_id=a.id,
        role_id=role_x.pk,
        slot_start=NOW - timedelta(days=3),
        status=AppointmentStatus.HONOURED,
        idempotency_key="t-a1",
    )
    a2 = await models.Appointment.create(
        patient_id=a.id,
        role_id=role_x.pk,
        slot_start=NOW + timedelta(days=3),
        status=AppointmentStatus.BOOKED,
        idempotency_key="t-a2",
    )
    b1 = await models.Appointment.create(
        patient_id=b.id,
        role_id=role_y.pk,
        slot_start=NOW - timedelta(days=2),
        status=AppointmentStatus.HONOURED,
        idempotency_key="t-b1",
    )
    guest_name, guest_phone = "Gauri Kulkarni", "+919767788990"
    g1 = await models.Appointment.create(
        role_id=role_x.pk,
        slot_start=NOW + timedelta(days=1),
        status=AppointmentStatus.BOOKED,
        guest_name_ciphertext=cipher.encrypt(guest_name),
        guest_phone_ciphertext=cipher.encrypt(guest_phone),
        guest_phone_hash=cipher.lookup_hash(guest_phone, "phone"),
        idempotency_key="t-g1",
    )
    anonymous = await models.Review.create(
        appointment_id=a1.pk,
        patient_id=a.id,
        target_kind=TargetKind.PRACTITIONER,
        practitioner_id=ds.profile_id,
        rating=5,
        recommend=True,
        text="Explained everything.",
        anonymous=True,
        author_display_name="Verified patient",
        status=ReviewStatus.PUBLISHED,
        created_at=NOW,
    )
    named = await models.Review.create(
        appointment_id=a1.pk,
        patient_id=a.id,
        target_kind=TargetKind.HOSPITAL,
        hospital_id=role_x.hospital_id,
        rating=4,
        recommend=True,
        text="Clean and quick.",
        anonymous=False,
        author_display_name="Ananya D.",
        status=ReviewStatus.PUBLISHED,
        created_at=NOW,
    )
    await models.Review.create(
        appointment_id=b1.pk,
        patient_id=b.id,
        target_kind=TargetKind.PRACTITIONER,
        practitioner_id=2000,
        rating=3,
        recommend=False,
        text="Long wait.",
        author_display_name="Bhavesh M.",
        status=ReviewStatus.PUBLISHED,
        created_at=NOW,
    )
    await refresh_search_columns()
    return People(
        a=a,
        b=b,
        guest_name=guest_name,
        guest_phone=guest_phone,
        partner_x=x.pk,
        partner_y=y.pk,
        a_appointment=a1.pk,
        a_upcoming=a2.pk,
        b_appointment=b1.pk,
        guest_appointment=g1.pk,
        a_anonymous_review=anonymous.pk,
        a_named_review=named.pk,
    )


def bearer(token: str, purpose: str | None = None) -> dict[str, str]:
    """Request headers carrying a token (and, for staff reads, the stated purpose)."""
    headers = {"authorization": f"Bearer {token}"}
    if purpose:
        headers["x-access-purpose"] = purpose
    return headers


def role_headers(
    tokens: TokenService, people: People, partner_id: int
) -> dict[str, dict[str, str]]:
    """Headers of one viewer per role: anonymous, patient A, a partner, staff with a purpose."""
    return {
        "anonymous": {},
        "patient": bearer(tokens.mint(Role.PATIENT, patient_id=people.a.id)),
        "partner": bearer(tokens.mint(Role.PARTNER, partner_id=partner_id)),
        "staff": bearer(tokens.mint(Role.ADMIN, subject="staff:omkar"), "ticket 4412: data export"),
    }
