"""Providers: practitioners, their practices, hospitals / clinics and diagnostic centers.

Nested fields are one-line loader calls; private phones and emails are not in this schema.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import TargetKind
from hmsdesk_graph.errors import BadUserInput
from hmsdesk_graph.loaders.availability import IST, WINDOW_DAYS, today_ist
from hmsdesk_graph.loaders.providers import HospitalPractitionerCountKey, HospitalPractitionersKey
from hmsdesk_graph.pagination import scope_of
from hmsdesk_graph.schema.catalog import City, LabTest, Locality, Specialty, specialty_id_for_slug
from hmsdesk_graph.schema.connection import Connection, make_connection
from hmsdesk_graph.schema.enums import (
    BookingMode,
    Gender,
    HospitalKind,
    PackageKind,
    PractitionerStatus,
    Ward,
)
from hmsdesk_graph.schema.money import CURRENCY, rupees
from hmsdesk_graph.schema.node import Node, to_global_id
from hmsdesk_graph.schema.prices import PricePackage, package_list
from hmsdesk_graph.schema.reviews import Review, ReviewSummary, review_page, review_summary

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


@strawberry.type
class Qualification:
    degree: str
    college: str | None
    year: int | None


@strawberry.type
class Accreditation:
    name: str
    valid_until: date | None


@strawberry.type
class GeoPoint:
    lat: float
    lng: float


@strawberry.type(description="Opening hours of one session on one weekday (local time).")
class WeeklyHours:
    day: str
    opens: str
    closes: str


@strawberry.type(description="What a consultation at this practice costs.")
class Fees:
    consultation: Decimal
    video: Decimal | None
    currency: str
    follow_up_free_days: int


@strawberry.type(description="One day's open slots.")
class DayAvailability:
    date: date
    slots: list[datetime]


def day_availability(
    slots: tuple[datetime, ...], first_day: date, days: int
) -> list[DayAvailability]:
    """Slots grouped by India date, one entry per day of the window (empty days included)."""
    now = datetime.now(UTC)
    by_day: dict[date, list[datetime]] = {first_day + timedelta(days=i): [] for i in range(days)}
    for slot in slots:
        day = slot.astimezone(IST).date()
        if day in by_day and slot > now:
            by_day[day].append(slot)
    return [DayAvailability(date=day, slots=sorted(found)) for day, found in by_day.items()]


def _accreditations(raw: list[dict[str, Any]]) -> list[Accreditation]:
    result = []
    for item in raw:
        until = item.get("validUntil")
        result.append(
            Accreditation(
                name=str(item["name"]), valid_until=date.fromisoformat(until) if until else None
            )
        )
    return result


@strawberry.type(description="A doctor or therapist listed on HMSDESK.")
class Practitioner(Node):
    slug: str
    name: str
    gender: Gender
    registration_number: str
    council: str
    qualifications: list[Qualification]
    practising_since: int
    experience_years: int
    languages: list[str]
    conditions_treated: list[str]
    services: list[str]
    about: str
    verified: bool
    status: PractitionerStatus
    _row: strawberry.Private[models.Practitioner]

    @classmethod
    def from_row(cls, row: models.Practitioner) -> Practitioner:
        return cls(
            id=to_global_id("Practitioner", row.pk),
            slug=row.slug,
            name=row.name,
            gender=row.gender,
            registration_number=row.registration_number,
            council=row.council,
            qualifications=[
                Qualification(degree=q["degree"], college=q.get("college"), year=q.get("year"))
                for q in row.qualifications
            ],
            practising_since=row.practising_since,
            experience_years=max(0, datetime.now(UTC).year - row.practising_since),
            languages=list(row.languages),
            conditions_treated=list(row.conditions),
            services=list(row.services),
            about=row.about,
            verified=row.verified,
            status=row.status,
            _row=row,
        )

    @strawberry.field
    async def city(self, info: Info) -> City | None:
        row = await info.context.loaders.city_by_id.load(self._row.city_id)
        return City.from_row(row) if row else None

    @strawberry.field
    async def specialties(self, info: Info) -> list[Specialty]:
        return [
            Specialty.from_row(s)
            for s in await info.context.loaders.specialties_by_practitioner_id.load(self._row.pk)
        ]

    @strawberry.field(description="Where the practitioner consults, cheapest first.")
    async def practices(self, info: Info) -> list[PractitionerRole]:
        return [
            PractitionerRole.from_row(r)
            for r in await info.context.loaders.roles_by_practitioner_id.load(self._row.pk)
        ]

    @strawberry.field(description="The hospitals and clinics of the practitioner's practices.")
    async def hospitals(self, info: Info) -> list[Hospital]:
        roles = await info.context.loaders.roles_by_practitioner_id.load(self._row.pk)
        rows = await info.context.loaders.hospital_by_id.load_many([r.hospital_id for r in roles])
        return [Hospital.from_row(h) for h in rows if h is not None]

    @strawberry.field(description="Cheapest first.")
    async def price_packages(
        self,
        info: Info,
        kind: PackageKind | None = None,
        ward: Ward | None = None,
        first: int | None = None,
    ) -> list[PricePackage]:
        return await package_list(info, TargetKind.PRACTITIONER, self._row.pk, kind, ward, first)

    @strawberry.field
    async def review_summary(self, info: Info) -> ReviewSummary:
        return await review_summary(info, TargetKind.PRACTITIONER, self._row.pk)

    @strawberry.field(description="Published reviews, newest first.")
    async def reviews(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Review]:
        return await review_page(info, TargetKind.PRACTITIONER, self._row.pk, first, after)


@strawberry.type(description="A practitioner at a hospital or clinic: what patients book.")
class PractitionerRole(Node):
    fees: Fees
    weekly_hours: list[WeeklyHours]
    booking_mode: BookingMode
    instant_booking: bool
    slot_minutes: int
    _row: strawberry.Private[models.PractitionerRole]

    @classmethod
    def from_row(cls, row: models.PractitionerRole) -> PractitionerRole:
        hours = row.weekly_hours or {}
        return cls(
            id=to_global_id("PractitionerRole", row.pk),
            fees=Fees(
                consultation=rupees(row.consultation_fee_paise),
                video=None if row.video_fee_paise is None else rupees(row.video_fee_paise),
                currency=CURRENCY,
                follow_up_free_days=row.follow_up_free_days,
            ),
            weekly_hours=[
                WeeklyHours(day=day, opens=str(span[0]), closes=str(span[1]))
                for day in WEEKDAYS
                for span in hours.get(day, [])
            ],
            booking_mode=row.booking_mode,
            instant_booking=row.instant_eligible,
            slot_minutes=row.slot_minutes,
            _row=row,
        )

    @strawberry.field(
        description="The next open slot, live from the practice system (null when unavailable)."
    )
    async def next_available_slot(self, info: Info) -> datetime | None:
        slots = await info.context.loaders.slots_by_role_id.load(self._row.pk)
        now = datetime.now(UTC)
        return next((slot for slot in slots if slot > now), None)

    @strawberry.field(description="Open slots per day for up to 7 days, live from the practice.")
    async def availability(self, info: Info, days: int = 7) -> list[DayAvailability] | None:
        if not 1 <= days <= WINDOW_DAYS:
            raise BadUserInput(f"days must be 1 to {WINDOW_DAYS}.", argument="days")
        slots = await info.context.loaders.slots_by_role_id.load(self._row.pk)
        return day_availability(slots, today_ist(), days)

    @strawberry.field
    async def practitioner(self, info: Info) -> Practitioner | None:
        row = await info.context.loaders.practitioner_by_id.load(self._row.practitioner_id)
        return Practitioner.from_row(row) if row else None

    @strawberry.field
    async def hospital(self, info: Info) -> Hospital | None:
        row = await info.context.loaders.hospital_by_id.load(self._row.hospital_id)
        return Hospital.from_row(row) if row else None


@strawberry.type(description="A hospital, clinic or nursing home.")
class Hospital(Node):
    slug: str
    name: str
    kind: HospitalKind
    address: str
    location: GeoPoint
    beds: int
    icu_beds: int
    established: int | None
    accreditations: list[Accreditation]
    amenities: list[str]
    open_24x7: bool = strawberry.field(name="open24x7")
    emergency: bool
    _row: strawberry.Private[models.Hospital]

    @classmethod
    def from_row(cls, row: models.Hospital) -> Hospital:
        return cls(
            id=to_global_id("Hospital", row.pk),
            slug=row.slug,
            name=row.name,
            kind=row.kind,
            address=row.address,
            location=GeoPoint(lat=row.lat, lng=row.lng),
            beds=row.beds,
            icu_beds=row.icu_beds,
            established=row.established,
            accreditations=_accreditations(row.accreditations),
            amenities=list(row.amenities),
            open_24x7=row.open_24x7,
            emergency=row.emergency,
            _row=row,
        )

    @strawberry.field
    async def city(self, info: Info) -> City | None:
        row = await info.context.loaders.city_by_id.load(self._row.city_id)
        return City.from_row(row) if row else None

    @strawberry.field
    async def locality(self, info: Info) -> Locality | None:
        row = await info.context.loaders.locality_by_id.load(self._row.locality_id)
        return Locality.from_row(row) if row else None

    @strawberry.field
    async def specialties(self, info: Info) -> list[Specialty]:
        return [
            Specialty.from_row(s)
            for s in await info.context.loaders.specialties_by_hospital_id.load(self._row.pk)
        ]

    @strawberry.field(description="Practitioners consulting here, by name.")
    async def practitioners(
        self,
        info: Info,
        specialty: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Practitioner]:
        ctx = info.context
        specialty_id = await specialty_id_for_slug(info, specialty) if specialty else None
        scope = scope_of("Hospital.practitioners", hospital=self._row.pk, specialty=specialty_id)
        page = ctx.cursors.page(scope, first, after, ctx.settings)
        key = HospitalPractitionersKey(self._row.pk, specialty_id, page.first, page.after)
        rows = await ctx.loaders.practitioners_by_hospital.load(key)
        ctx.loaders.prime_practitioners(rows)
        count_key = HospitalPractitionerCountKey(self._row.pk, specialty_id)
        return make_connection(
            rows,
            page,
            scope=scope,
            codec=ctx.cursors,
            key=lambda p: (p.name, p.pk),
            node=Practitioner.from_row,
            count=lambda: ctx.loaders.practitioner_count_by_hospital.load(count_key),
        )

    @strawberry.field(description="Cheapest first.")
    async def price_packages(
        self,
        info: Info,
        kind: PackageKind | None = None,
        ward: Ward | None = None,
        first: int | None = None,
    ) -> list[PricePackage]:
        return await package_list(info, TargetKind.HOSPITAL, self._row.pk, kind, ward, first)

    @strawberry.field
    async def review_summary(self, info: Info) -> ReviewSummary:
        return await review_summary(info, TargetKind.HOSPITAL, self._row.pk)

    @strawberry.field(description="Published reviews, newest first.")
    async def reviews(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Review]:
        return await review_page(info, TargetKind.HOSPITAL, self._row.pk, first, after)


@strawberry.type(description="A diagnostic center or laboratory.")
class DiagnosticCenter(Node):
    slug: str
    name: str
    address: str
    location: GeoPoint
    accreditations: list[Accreditation]
    home_collection: bool
    home_collection_fee: Decimal | None
    report_turnaround_hours: int
    open_24x7: bool = strawberry.field(name="open24x7")
    _row: strawberry.Private[models.DiagnosticCenter]

    @classmethod
    def from_row(cls, row: models.DiagnosticCenter) -> DiagnosticCenter:
        fee = row.home_collection_fee_paise
        return cls(
            id=to_global_id("DiagnosticCenter", row.pk),
            slug=row.slug,
            name=row.name,
            address=row.address,
            location=GeoPoint(lat=row.lat, lng=row.lng),
            accreditations=_accreditations(row.accreditations),
            home_collection=row.home_collection,
            home_collection_fee=None if fee is None else rupees(fee),
            report_turnaround_hours=row.report_turnaround_hours,
            open_24x7=row.open_24x7,
            _row=row,
        )

    @strawberry.field
    async def city(self, info: Info) -> City | None:
        row = await info.context.loaders.city_by_id.load(self._row.city_id)
        return City.from_row(row) if row else None

    @strawberry.field
    async def locality(self, info: Info) -> Locality | None:
        row = await info.context.loaders.locality_by_id.load(self._row.locality_id)
        return Locality.from_row(row) if row else None

    @strawberry.field(description="Tests the center prices, by name.")
    async def lab_tests(self, info: Info) -> list[LabTest]:
        return [
            LabTest.from_row(t)
            for t in await info.context.loaders.lab_tests_by_diagnostic_center_id.load(self._row.pk)
        ]

    @strawberry.field(description="Cheapest first.")
    async def price_packages(
        self,
        info: Info,
        kind: PackageKind | None = None,
        ward: Ward | None = None,
        first: int | None = None,
    ) -> list[PricePackage]:
        return await package_list(
            info, TargetKind.DIAGNOSTIC_CENTER, self._row.pk, kind, ward, first
        )

    @strawberry.field
    async def review_summary(self, info: Info) -> ReviewSummary:
        return await review_summary(info, TargetKind.DIAGNOSTIC_CENTER, self._row.pk)

    @strawberry.field(description="Published reviews, newest first.")
    async def reviews(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Review]:
        return await review_page(info, TargetKind.DIAGNOSTIC_CENTER, self._row.pk, first, after)


Provider = Annotated[
    Practitioner | Hospital | DiagnosticCenter,
    strawberry.union("Provider", description="A practitioner, hospital or diagnostic center."),
]


async def load_provider(
    info: Info, practitioner_id: int | None, hospital_id: int | None, center_id: int | None
) -> Practitioner | Hospital | DiagnosticCenter | None:
    """The one owner of a package or target of a review, through the by-id loaders."""
    loaders = info.context.loaders
    if practitioner_id is not None:
        p = await loaders.practitioner_by_id.load(practitioner_id)
        return Practitioner.from_row(p) if p else None
    if hospital_id is not None:
        h = await loaders.hospital_by_id.load(hospital_id)
        return Hospital.from_row(h) if h else None
    if center_id is not None:
        c = await loaders.diagnostic_center_by_id.load(center_id)
        return DiagnosticCenter.from_row(c) if c else None
    return None
