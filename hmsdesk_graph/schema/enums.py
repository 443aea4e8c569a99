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
from hmsdesk_graph.instant_booking import InstantBookingStatus

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
    InstantBookingStatus,
):
    strawberry.enum(_enum)

__all__ = [
    "BookingMode",
    "CareSetting",
    "Gender",
    "HospitalKind",
    "InstantBookingStatus",
    "PackageKind",
    "PractitionerStatus",
    "SystemOfMedicine",
    "WaitTime",
    "Ward",
]
