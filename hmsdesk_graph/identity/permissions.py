"""What a viewer may see and do (DESIGN §6). Every personal-data path asks here.

- A patient sees all of their own data.
- A partner sees its own appointments: the patient's name and a masked phone, never an email,
  and never who wrote a review.
- INTERNAL and ADMIN staff read personal fields only with a stated purpose; each read is
  audited.
- Anyone else's private object looks exactly like a missing one.
"""

from __future__ import annotations

from typing import Protocol

from strawberry.dataloader import DataLoader

from hmsdesk_graph.db import models
from hmsdesk_graph.errors import Forbidden, NotFound, Unauthenticated
from hmsdesk_graph.identity.audit import AuditTrail
from hmsdesk_graph.identity.auth import Role, Viewer


# The request as the rules below read it, described here rather than imported: context.py
# imports identity (viewers, the audit trail), so identity must not import it back.
# strawberry's Info[Context] matches these protocols, which mypy checks at every call.
class _Loaders(Protocol):
    @property
    def patient_private_by_id(self) -> DataLoader[int, models.Patient | None]: ...


class _Context(Protocol):
    @property
    def viewer(self) -> Viewer: ...
    @property
    def loaders(self) -> _Loaders: ...
    @property
    def audit(self) -> AuditTrail: ...


class _Info(Protocol):
    """A resolver's `info`, as far as these rules read it."""

    @property
    def context(self) -> _Context: ...


def require_signed_in(viewer: Viewer) -> None:
    if viewer.is_anonymous:
        raise Unauthenticated("Sign in to do this.")


def require_patient(viewer: Viewer) -> int:
    """The viewer's patient id; only patients have one."""
    require_signed_in(viewer)
    if viewer.role is not Role.PATIENT or viewer.patient_id is None:
        raise Forbidden("Only a patient can do this.")
    return viewer.patient_id


async def require_active_patient(info: _Info) -> int:
    """The viewer's patient id, refusing tokens of erased or deactivated accounts (one cached
    lookup per request)."""
    patient_id = require_patient(info.context.viewer)
    row = await info.context.loaders.patient_private_by_id.load(patient_id)
    if row is None or row.erased_at is not None or row.deactivated_at is not None:
        raise Unauthenticated("This account is closed: its sign-in is no longer accepted.")
    return patient_id


def require_partner(viewer: Viewer) -> int:
    require_signed_in(viewer)
    if viewer.role is not Role.PARTNER or viewer.partner_id is None:
        raise Forbidden("Only a partner account can do this.")
    return viewer.partner_id


def require_staff(viewer: Viewer, *, admin: bool = False) -> None:
    require_signed_in(viewer)
    if admin and viewer.role is not Role.ADMIN:
        raise Forbidden("Only an administrator can do this.")
    if not viewer.is_staff:
        raise Forbidden("Only HMSDESK staff can do this.")


def not_found(kind: str) -> NotFound:
    """The one answer for "missing" and "not yours", so neither can be told apart."""
    return NotFound(f"No such {kind}.")


async def _partner_of(
    model: type[models.Practitioner | models.Hospital | models.DiagnosticCenter], pk: int
) -> int | None:
    """The partner account of one provider (None: no such provider, or it has no account)."""
    row = await model.get_or_none(id=pk)
    return row.partner_id if row else None


async def appointment_partner_id(appointment: models.Appointment) -> int | None:
    """The partner treating an appointment: the practice's hospital or practitioner, or center."""
    if appointment.role_id is not None:
        role = await models.PractitionerRole.get_or_none(id=appointment.role_id)
        if role is None:
            return None
        hospital_partner = await _partner_of(models.Hospital, role.hospital_id)
        if hospital_partner is not None:
            return hospital_partner
        return await _partner_of(models.Practitioner, role.practitioner_id)
    if appointment.diagnostic_center_id is not None:
        return await _partner_of(models.DiagnosticCenter, appointment.diagnostic_center_id)
    return None


async def may_see_appointment(viewer: Viewer, appointment: models.Appointment) -> bool:
    """The patient who booked it, its treating partner, or staff."""
    if viewer.role is Role.PATIENT:
        return appointment.patient_id is not None and appointment.patient_id == viewer.patient_id
    if viewer.role is Role.PARTNER:
        return await appointment_partner_id(appointment) == viewer.partner_id
    return viewer.is_staff


def audit_personal_read(info: _Info, object_type: str, object_id: int, field: str) -> None:
    """Staff reads need a stated purpose and are recorded; other viewers' reads are their own."""
    viewer = info.context.viewer
    if viewer.is_staff:
        if not viewer.purpose:
            raise Forbidden(
                "Reading personal data needs a stated purpose: send the X-Access-Purpose header."
            )
        info.context.audit.record(viewer, object_type, object_id, field)


async def target_partner_id(review: models.Review) -> int | None:
    """The partner that owns a review's target (who may reply to it)."""
    if review.practitioner_id is not None:
        return await _partner_of(models.Practitioner, review.practitioner_id)
    if review.hospital_id is not None:
        return await _partner_of(models.Hospital, review.hospital_id)
    if review.diagnostic_center_id is not None:
        return await _partner_of(models.DiagnosticCenter, review.diagnostic_center_id)
    return None
