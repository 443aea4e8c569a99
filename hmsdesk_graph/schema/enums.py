"""GraphQL enums: the database enums, exposed under the same names and values."""

from __future__ import annotations

import strawberry

from hmsdesk_graph.db.enums import (
    BookingMode,
    CareSetting,
    Gender,
    HospitalKind,
    PackageKind,
    PractitionerStatus,
    SystemOfMedicine,
    WaitTime,
    Ward,
)

# strawberry.enum registers each class in place, so the database enums are the GraphQL enums.
for _enum in (
    BookingMode,
    CareSetting,
    Gender,
    HospitalKind,
    PackageKind,
    PractitionerStatus,
    SystemOfMedicine,
    Ward,
    WaitTime,
):
    strawberry.enum(_enum)

__all__ = [
    "BookingMode",
    "CareSetting",
    "Gender",
    "HospitalKind",
    "PackageKind",
    "PractitionerStatus",
    "SystemOfMedicine",
    "WaitTime",
    "Ward",
]
