"""Lazy views: the hot schema objects of the read screens, over lean rows.

Each view answers the attribute names of its strawberry type with exactly what the type's
`from_row` computes, but only for the attributes a plan reads: a card that shows a hospital's
name never decodes its accreditations. A view lacks any attribute it does not port, so a plan
reading one fails and the request falls back to the general executor. The equality test
(tests/compiled) holds every view to its `from_row`.

They live with the resolvers, not in `compiled`: the search resolver builds practitioner views
on the compiled path itself, and resolvers sit below `compiled`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.schema.money import PriceRange, price_of, rupees_or_none
from hmsdesk_graph.schema.provider_values import (
    Fees,
    GeoPoint,
    Qualification,
    WeeklyHours,
    accreditation_list,
    experience_years_of,
    fees_of,
    qualification_list,
    weekly_hours_of,
)


class _Column:
    """A view attribute that is the row's column of the same (or the given) name, as is."""

    def __init__(self, column: str | None = None) -> None:
        self.column = column

    def __set_name__(self, owner: type, name: str) -> None:
        self.column = self.column or name

    def __get__(self, view: _View | None, owner: type) -> Any:
        if view is None:
            return self
        return getattr(view._row, self.column or "")


class _View:
    __slots__ = ("_row",)
    # The strawberry type the view stands for: its global IDs name this type.
    type_name: ClassVar[str]

    def __init__(self, row: Any) -> None:
        self._row = row

    @property
    def id(self) -> str:
        return to_global_id(self.type_name, self._row.pk)


class PractitionerView(_View):
    """`Practitioner.from_row`, attribute by attribute."""

    __slots__ = ()
    type_name = "Practitioner"

    slug = _Column()
    name = _Column()
    gender = _Column()
    registration_number = _Column()
    council = _Column()

    @property
    def qualifications(self) -> list[Qualification]:
        return qualification_list(self._row.qualifications)

    practising_since = _Column()

    @property
    def experience_years(self) -> int:
        return experience_years_of(self._row.practising_since)

    @property
    def languages(self) -> list[str]:
        return list(self._row.languages)

    @property
    def conditions_treated(self) -> list[str]:
        return list(self._row.conditions)

    @property
    def services(self) -> list[str]:
        return list(self._row.services)

    about = _Column()
    verified = _Column()
    status = _Column()


class PractitionerRoleView(_View):
    """`PractitionerRole.from_row`, attribute by attribute."""

    __slots__ = ()
    type_name = "PractitionerRole"

    @property
    def fees(self) -> Fees:
        return fees_of(self._row)

    @property
    def weekly_hours(self) -> list[WeeklyHours]:
        return weekly_hours_of(self._row.weekly_hours or {})

    booking_mode = _Column()
    instant_booking = _Column("instant_eligible")
    slot_minutes = _Column()


class _FacilityView(_View):
    """`facility_fields`: what a hospital's and a center's `from_row` share (`Facility`)."""

    __slots__ = ()

    slug = _Column()
    name = _Column()
    address = _Column()

    @property
    def location(self) -> GeoPoint:
        return GeoPoint(lat=self._row.lat, lng=self._row.lng)

    @property
    def accreditations(self) -> Any:
        return accreditation_list(self._row.accreditations)

    open_24x7 = _Column()


class HospitalView(_FacilityView):
    """`Hospital.from_row`, attribute by attribute."""

    __slots__ = ()
    type_name = "Hospital"

    kind = _Column()
    beds = _Column()
    icu_beds = _Column()
    established = _Column()

    @property
    def amenities(self) -> list[str]:
        return list(self._row.amenities)

    emergency = _Column()


class DiagnosticCenterView(_FacilityView):
    """`DiagnosticCenter.from_row`, for the attributes a provider card shows."""

    __slots__ = ()
    type_name = "DiagnosticCenter"

    home_collection = _Column()

    @property
    def home_collection_fee(self) -> Decimal | None:
        return rupees_or_none(self._row.home_collection_fee_paise)

    report_turnaround_hours = _Column()


class PricePackageView(_View):
    """`PricePackage.from_row`, attribute by attribute."""

    __slots__ = ()
    type_name = "PricePackage"

    name = _Column()
    kind = _Column()
    ward = _Column()
    setting = _Column()
    procedure = _Column()

    @property
    def price(self) -> PriceRange:
        return price_of(self._row)

    @property
    def list_price(self) -> Decimal | None:
        return rupees_or_none(self._row.list_price_paise)

    @property
    def offer_price(self) -> Decimal | None:
        return rupees_or_none(self._row.offer_price_paise)

    length_of_stay_days = _Column()
