"""`node` / `nodes`: refetch any object by its global ID."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from hmsdesk_graph.context import Info
from hmsdesk_graph.errors import NotFound
from hmsdesk_graph.identity.global_ids import from_global_id
from hmsdesk_graph.identity.permissions import may_see_appointment
from hmsdesk_graph.loaders import Loaders
from hmsdesk_graph.schema.care import Appointment, Patient
from hmsdesk_graph.schema.catalog import City, LabTest, Specialty
from hmsdesk_graph.schema.node import Node
from hmsdesk_graph.schema.providers import (
    DiagnosticCenter,
    Hospital,
    Practitioner,
    PractitionerRole,
    PricePackage,
    Review,
)

# The publicly visible types: the request's loader of their rows, and how a row shows.
_PUBLIC: dict[str, tuple[Callable[[Loaders], DataLoader[int, Any]], Callable[[Any], Node]]] = {
    "Practitioner": (lambda loaders: loaders.practitioner_by_id, Practitioner.from_row),
    "Hospital": (lambda loaders: loaders.hospital_by_id, Hospital.from_row),
    "DiagnosticCenter": (
        lambda loaders: loaders.diagnostic_center_by_id,
        DiagnosticCenter.from_row,
    ),
    "PractitionerRole": (lambda loaders: loaders.role_by_id, PractitionerRole.from_row),
    "PricePackage": (lambda loaders: loaders.package_by_id, PricePackage.from_row),
    "Review": (lambda loaders: loaders.review_by_id, Review.from_row),
    "City": (lambda loaders: loaders.city_by_id, City.from_row),
    "Specialty": (lambda loaders: loaders.specialty_by_id, Specialty.from_row),
    "LabTest": (lambda loaders: loaders.lab_test_by_id, LabTest.from_row),
}


async def _load(info: Info, type_name: str, pk: int) -> Any:
    loaders = info.context.loaders
    if type_name in _PUBLIC:
        loader_of, show = _PUBLIC[type_name]
        row = await loader_of(loaders).load(pk)
        return show(row) if row else None
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
