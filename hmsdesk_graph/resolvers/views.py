"""Lazy views: the hot schema objects of the read screens, over lean rows.

Each view answers the attribute names of its strawberry type with exactly what the type's
`from_row` computes, but only for the attributes a plan reads: a card that shows a hospital's
name never decodes its accreditations. A view lacks any attribute it does not port, so a plan
reading one fails and the request falls back to the general executor. The equality test
(tests/compiled) holds every view to its `from_row`.

They live with the resolvers, not in `compiled`: the search resolver builds practitioner views
on the compiled path itself, and resolvers sit below `compiled`.

Each view names its `optional` columns (text, json and timestamps a card rarely shows) and,
in `reads`, which of them an attribute needs: a plan reads only the optional columns its
fields need (`unread_columns`), so a search card never has a doctor's `about` sent, decoded
and dropped. Keys, counts and prices are never optional: the fetches read them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from tortoise.models import Model

from hmsdesk_graph.db import models
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
    model: ClassVar[type[Model]]
    # Columns a lean read may leave out, and the ones of them each computed attribute reads
    # (a `_Column` reads its own column).
    optional: ClassVar[frozenset[str]] = frozenset()
    reads: ClassVar[dict[str, frozenset[str]]] = {}

    def __init__(self, row: Any) -> None:
        self._row = row

    @property
    def id(self) -> str:
        return to_global_id(self.type_name, self._row.pk)


class PractitionerView(_View):
    """`Practitioner.from_row`, attribute by attribute."""

    __slots__ = ()
    type_name = "Practitioner"
    model = models.Practitioner
    optional = frozenset(
        {
            "about",
            "available_days",
            "conditions",
            "council",
            "created_at",
            "languages",
            "qualifications",
            "registration_number",
            "search_text",
            "services",
            "updated_at",
        }
    )
    reads = {
        "qualifications": frozenset({"qualifications"}),
        "languages": frozenset({"languages"}),
        "conditions_treated": frozenset({"conditions"}),
        "services": frozenset({"services"}),
    }

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
    model = models.PractitionerRole
    optional = frozenset({"weekly_hours"})
    reads = {"weekly_hours": frozenset({"weekly_hours"})}

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
    optional = frozenset({"accreditations", "address", "created_at", "search_text", "updated_at"})
    reads = {"accreditations": frozenset({"accreditations"})}

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
    model = models.Hospital
    optional = _FacilityView.optional | {"amenities"}
    reads = {**_FacilityView.reads, "amenities": frozenset({"amenities"})}

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
    model = models.DiagnosticCenter

    home_collection = _Column()

    @property
    def home_collection_fee(self) -> Decimal | None:
        return rupees_or_none(self._row.home_collection_fee_paise)

    report_turnaround_hours = _Column()


class PricePackageView(_View):
    """`PricePackage.from_row`, attribute by attribute."""

    __slots__ = ()
    type_name = "PricePackage"
    model = models.PricePackage
    optional = frozenset({"created_at", "procedure", "updated_at"})

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


VIEWS: dict[str, type[_View]] = {
    view.type_name: view
    for view in (
        PractitionerView,
        PractitionerRoleView,
        HospitalView,
        DiagnosticCenterView,
        PricePackageView,
    )
}


def columns_read(view: type[_View], attr: str) -> frozenset[str]:
    """The optional columns of `view` that reading `attr` needs."""
    found = getattr(view, attr, None)  # a `_Column` read on the class is the column itself
    if isinstance(found, _Column) and found.column in view.optional:
        return frozenset({found.column})
    return view.reads.get(attr, frozenset())


def unread_columns(attrs_by_type: Mapping[str, Iterable[str]]) -> dict[type[Model], frozenset[str]]:
    """By model, the optional columns that no attribute read of a plan needs: what its lean
    reads leave out. `attrs_by_type` names the attributes read of each object type."""
    needed: dict[type[Model], set[str]] = {view.model: set() for view in VIEWS.values()}
    for type_name, attrs in attrs_by_type.items():
        view = VIEWS.get(type_name)
        if view is not None:
            for attr in attrs:
                needed[view.model] |= columns_read(view, attr)
    return {
        view.model: view.optional - needed[view.model]
        for view in VIEWS.values()
        if view.optional - needed[view.model]
    }
