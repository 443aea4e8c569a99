"""`node` / `nodes`: refetch any object by its global ID."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.errors import NotFound
from hmsdesk_graph.permissions import may_see_appointment
from hmsdesk_graph.schema.care import Appointment, Patient
from hmsdesk_graph.schema.catalog import City, LabTest, Specialty
from hmsdesk_graph.schema.node import Node, from_global_id
from hmsdesk_graph.schema.prices import PricePackage
from hmsdesk_graph.schema.providers import (
    DiagnosticCenter,
    Hospital,
    Practitioner,
    PractitionerRole,
)
from hmsdesk_graph.schema.reviews import Review


async def _load(info: Info, type_name: str, pk: int) -> Any:
    loaders = info.context.loaders
    if type_name == "Practitioner":
        practitioner = await loaders.practitioner_by_id.load(pk)
        return Practitioner.from_row(practitioner) if practitioner else None
    if type_name == "Hospital":
        hospital = await loaders.hospital_by_id.load(pk)
        return Hospital.from_row(hospital) if hospital else None
    if type_name == "DiagnosticCenter":
        center = await loaders.diagnostic_center_by_id.load(pk)
        return DiagnosticCenter.from_row(center) if center else None
    if type_name == "PractitionerRole":
        role = await loaders.role_by_id.load(pk)
        return PractitionerRole.from_row(role) if role else None
    if type_name == "PricePackage":
        package = await loaders.package_by_id.load(pk)
        return PricePackage.from_row(package) if package else None
    if type_name == "Review":
        review = await loaders.review_by_id.load(pk)
        return Review.from_row(review) if review else None
    if type_name == "City":
        city = await loaders.city_by_id.load(pk)
        return City.from_row(city) if city else None
    if type_name == "Specialty":
        specialty = await loaders.specialty_by_id.load(pk)
        return Specialty.from_row(specialty) if specialty else None
    if type_name == "LabTest":
        lab_test = await loaders.lab_test_by_id.load(pk)
        return LabTest.from_row(lab_test) if lab_test else None
    if type_name == "Appointment":
        appointment = await loaders.appointment_private_by_id.load(pk)
        # Someone else's appointment is exactly as missing as an unknown one.
        if appointment is None or not await may_see_appointment(info.context.viewer, appointment):
            return None
        return Appointment.from_row(appointment)
    if type_name == "Patient":
        viewer = info.context.viewer
        if viewer.patient_id != pk and not viewer.is_staff:
            return None
        patient = await loaders.patient_private_by_id.load(pk)
        return Patient.from_row(patient) if patient else None
    return None


async def resolve_node(info: Info, id: strawberry.ID) -> Node | None:
    """The object with this global ID; null with NOT_FOUND when there is none."""
    type_name, pk = from_global_id(id)
    found = await _load(info, type_name, pk)
    if found is None:
        raise NotFound(f"No object has the ID {id!r}.", id=str(id))
    node: Node = found
    return node


def resolve_nodes(info: Info, ids: list[strawberry.ID]) -> list[Awaitable[Node | None]]:
    """One entry per ID, in order: each missing or malformed one is null with its own error."""
    if len(ids) > info.context.settings.max_first:
        from hmsdesk_graph.errors import BadUserInput

        raise BadUserInput(f"Ask for at most {info.context.settings.max_first} IDs at once.")
    return [resolve_node(info, id) for id in ids]
