"""Deactivation: a patient closes their account for now, and staff can open it again.

Unlike erasure nothing is deleted: the account's tokens are refused and its name is hidden on
its reviews until an administrator (with a stated purpose, audited) reactivates it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from tortoise.transactions import in_transaction

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.errors import BadUserInput, Conflict
from hmsdesk_graph.identity.global_ids import pk_of
from hmsdesk_graph.identity.permissions import (
    audit_personal_read,
    not_found,
    require_active_patient,
    require_staff,
)


@strawberry.type
class DeactivationPayload:
    deactivated: bool


@strawberry.type
class ReactivationPayload:
    reactivated: bool = strawberry.field(description="False when the account was not deactivated.")


async def resolve_deactivate_my_account(info: Info, confirm: bool) -> DeactivationPayload:
    """Close the signed-in patient's account: tokens refused, review names hidden, data kept."""
    patient_id = await require_active_patient(info)
    if not confirm:
        raise BadUserInput(
            "Pass confirm: true to deactivate your account; HMSDESK staff can reactivate it."
        )
    async with in_transaction() as conn:
        await (
            models.Patient.filter(id=patient_id, deactivated_at__isnull=True)
            .using_db(conn)
            .update(deactivated_at=datetime.now(UTC))
        )
        await models.Review.filter(patient_id=patient_id).using_db(conn).update(author_hidden=True)
    return DeactivationPayload(deactivated=True)


async def resolve_reactivate_account(info: Info, patient_id: strawberry.ID) -> ReactivationPayload:
    """An administrator reopens a deactivated account (audited with the stated purpose)."""
    require_staff(info.context.viewer, admin=True)
    pk = pk_of(patient_id, "Patient", "patientId must be the ID of a patient.", "patientId")
    audit_personal_read(info, "Patient", pk, "reactivation")
    row = await models.Patient.get_or_none(id=pk)
    if row is None:
        raise not_found("patient")
    if row.erased_at is not None:
        raise Conflict("This account was erased: erasure cannot be undone.")
    if row.deactivated_at is None:
        return ReactivationPayload(reactivated=False)
    async with in_transaction() as conn:
        await models.Patient.filter(id=pk).using_db(conn).update(deactivated_at=None)
        await models.Review.filter(patient_id=pk).using_db(conn).update(author_hidden=False)
    return ReactivationPayload(reactivated=True)
