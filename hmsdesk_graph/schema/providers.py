"""The provider graph: practitioners, practices, hospitals / clinics, diagnostic centers, and
the objects that point back at them (price packages, reviews).

These types refer to each other (a package has a `provider`, a provider lists its
`pricePackages`), so they share this one module: split over several, they formed an import
cycle. Plain values (hours, fees, accreditations) are in `provider_values.py`, a price's source
in `prices.py`, review summaries in `reviews.py`. Nested fields are one-line loader calls;
private phones and emails are not in this schema.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import ReviewStatus, TargetKind, VisitKind
from hmsdesk_graph.db.lab_windows import opening_hours, window_capacity, window_minutes
from hmsdesk_graph.errors import BadUserInput
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.instant_booking import status as instant_booking_status
from hmsdesk_graph.loaders.availability import WINDOW_DAYS, today_ist
from hmsdesk_graph.loaders.prices import PackagesKey
from hmsdesk_graph.loaders.providers import HospitalPractitionerCountKey, HospitalPractitionersKey
from hmsdesk_graph.loaders.reviews import ReviewsKey, TargetKey
from hmsdesk_graph.pagination import Page, check_first, scope_of
from hmsdesk_graph.schema.catalog import City, LabTest, Locality, Specialty, specialty_id_for_slug
from hmsdesk_graph.schema.columns import columns
from hmsdesk_graph.schema.connection import Connection, load_connection
from hmsdesk_graph.schema.enums import (
    BookingMode,
    CareSetting,
    Gender,
    HospitalKind,
    InstantBookingStatus,
    PackageKind,
    PractitionerStatus,
    WaitTime,
    Ward,
)
from hmsdesk_graph.schema.linked import linked, listed
from hmsdesk_graph.schema.money import PriceRange, price_of, rupees_or_none
from hmsdesk_graph.schema.node import Node
from hmsdesk_graph.schema.prices import PriceSource, price_source
from hmsdesk_graph.schema.provider_values import (
    Accreditation,
    AvailabilitySource,
    DayAvailability,
    Fees,
    GeoPoint,
    Qualification,
    WeeklyHours,
    accreditation_list,
    day_availability,
    experience_years_of,
    fees_of,
    qualification_list,
    role_slots,
    weekly_hours_of,
)
from hmsdesk_graph.schema.reviews import (
    HIDDEN_AUTHOR,
    ReviewAuthor,
    ReviewReply,
    ReviewSummary,
    review_summary,
)

# The names other modules import from here (mypy's strict mode wants re-exports said).
__all__ = [
    "AvailabilitySource",
    "DiagnosticCenter",
    "Facility",
    "Hospital",
    "Practitioner",
    "PractitionerRole",
    "PricePackage",
    "Provider",
    "ProviderCommon",
    "Review",
    "center_turnaround_hours",
    "load_provider",
    "load_provider_of_kind",
    "package_list",
    "review_page",
]


@strawberry.interface(
    description="What every provider has: a slug and name, a city, price packages and reviews."
    " Select these on a `Provider` with one `... on ProviderCommon` instead of one fragment per"
    " type."
)
class ProviderCommon(Node):
    # Which owner / review target the implementing type is (set once per type).
    target_kind: ClassVar[TargetKind]
    slug: str
    name: str
    _row: strawberry.Private[models.Practitioner | models.Hospital | models.DiagnosticCenter]

    @strawberry.field
    async def city(self, info: Info) -> City | None:
        return await linked(info.context.loaders.city_by_id, self._row.city_id, City.from_row)

    @strawberry.field(description="Cheapest first.")
    async def price_packages(
        self,
        info: Info,
        kind: PackageKind | None = None,
        ward: Ward | None = None,
        first: int | None = None,
    ) -> list[PricePackage]:
        return await package_list(info, self.target_kind, self._row.pk, kind, ward, first)

    @strawberry.field
    async def review_summary(self, info: Info) -> ReviewSummary:
        return await review_summary(info, self.target_kind, self._row.pk)

    @strawberry.field(description="Published reviews, newest first.")
    async def reviews(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Review]:
        return await review_page(info, self.target_kind, self._row.pk, first, after)


@strawberry.type(description="A doctor or therapist listed on HMSDESK.")
class Practitioner(ProviderCommon):
    target_kind = TargetKind.PRACTITIONER
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
            **columns(row, "slug", "name", "gender", "registration_number", "council"),
            **columns(row, "practising_since", "about", "verified", "status"),
            qualifications=qualification_list(row.qualifications),
            experience_years=experience_years_of(row.practising_since),
            languages=list(row.languages),
            conditions_treated=list(row.conditions),
            services=list(row.services),
            _row=row,
        )

    @strawberry.field
    async def specialties(self, info: Info) -> list[Specialty]:
        loader = info.context.loaders.specialties_by_practitioner_id
        return await listed(loader, self._row.pk, Specialty.from_row)

    @strawberry.field(description="Where the practitioner consults, cheapest first.")
    async def practices(self, info: Info) -> list[PractitionerRole]:
        loader = info.context.loaders.roles_by_practitioner_id
        return await listed(loader, self._row.pk, PractitionerRole.from_row)

    @strawberry.field(description="The hospitals and clinics of the practitioner's practices.")
    async def hospitals(self, info: Info) -> list[Hospital]:
        roles = await info.context.loaders.roles_by_practitioner_id.load(self._row.pk)
        rows = await info.context.loaders.hospital_by_id.load_many([r.hospital_id for r in roles])
        return [Hospital.from_row(h) for h in rows if h is not None]


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
        return cls(
            id=to_global_id("PractitionerRole", row.pk),
            fees=fees_of(row),
            weekly_hours=weekly_hours_of(row.weekly_hours or {}),
            instant_booking=row.instant_eligible,
            **columns(row, "booking_mode", "slot_minutes"),
            _row=row,
        )

    @strawberry.field(
        description="The next open slot, live from the practice system (null when unavailable)."
    )
    async def next_available_slot(self, info: Info) -> datetime | None:
        slots = await role_slots(info, self._row.pk)
        now = datetime.now(UTC)
        return next((slot for slot in slots if slot > now), None)

    @strawberry.field(description="Open slots per day for up to 7 days, live from the practice.")
    async def availability(self, info: Info, days: int = 7) -> list[DayAvailability] | None:
        if not 1 <= days <= WINDOW_DAYS:
            raise BadUserInput(f"days must be 1 to {WINDOW_DAYS}.", argument="days")
        slots = await role_slots(info, self._row.pk)
        return day_availability(slots, today_ist(), days)

    @strawberry.field(
        description="Where `nextAvailableSlot` and `availability` come from: LIVE, or CACHED"
        " (the last slots the practice system gave, while it fails, up to"
        " HMSDESK_STALE_MAX_AGE_S old). Null, with an UPSTREAM_* error, when neither is there."
    )
    async def availability_source(self, info: Info) -> AvailabilitySource | None:
        await role_slots(info, self._row.pk)
        stale = self._row.pk in info.context.loaders.stale_slots
        return AvailabilitySource.CACHED if stale else AvailabilitySource.LIVE

    @strawberry.field(
        description="When the practice system gave the slots shown, when they are CACHED"
        " (null for live slots)."
    )
    async def availability_as_of(self, info: Info) -> datetime | None:
        await role_slots(info, self._row.pk)
        kept = info.context.loaders.stale_slots.get(self._row.pk)
        return kept.as_of if kept else None

    @strawberry.field(
        description="Why instant booking is on or off: it is earned by a record of honoured"
        " appointments (HMSDESK_INSTANT_BOOKING_MIN_OUTCOMES at the minimum honoured rate)."
    )
    async def instant_booking_status(self, info: Info) -> InstantBookingStatus:
        record = await info.context.loaders.outcome_record_by_role_id.load(self._row.pk)
        return instant_booking_status(
            self._row.booking_mode is BookingMode.INSTANT,
            self._row.instant_eligible,
            record,
            info.context.settings.instant_booking_min_outcomes,
        )

    @strawberry.field
    async def practitioner(self, info: Info) -> Practitioner | None:
        return await linked(
            info.context.loaders.practitioner_by_id,
            self._row.practitioner_id,
            Practitioner.from_row,
        )

    @strawberry.field
    async def hospital(self, info: Info) -> Hospital | None:
        return await linked(
            info.context.loaders.hospital_by_id, self._row.hospital_id, Hospital.from_row
        )


@strawberry.interface(
    description="A place patients go to: a hospital, clinic or diagnostic center. Select where"
    " it is on a `Provider` with one `... on Facility`."
)
class Facility(ProviderCommon):
    address: str
    location: GeoPoint
    accreditations: list[Accreditation]
    open_24x7: bool = strawberry.field(name="open24x7")
    _row: strawberry.Private[models.Hospital | models.DiagnosticCenter]

    @strawberry.field
    async def locality(self, info: Info) -> Locality | None:
        return await linked(
            info.context.loaders.locality_by_id, self._row.locality_id, Locality.from_row
        )


def facility_fields(row: models.Hospital | models.DiagnosticCenter) -> dict[str, Any]:
    """The `Facility` fields of a hospital's or a diagnostic center's row, for its `from_row`."""
    return {
        **columns(row, "slug", "name", "address", "open_24x7"),
        "location": GeoPoint(lat=row.lat, lng=row.lng),
        "accreditations": accreditation_list(row.accreditations),
    }


@strawberry.type(description="A hospital, clinic or nursing home.")
class Hospital(Facility):
    target_kind = TargetKind.HOSPITAL
    kind: HospitalKind
    beds: int
    icu_beds: int
    established: int | None
    amenities: list[str]
    emergency: bool
    _row: strawberry.Private[models.Hospital]

    @classmethod
    def from_row(cls, row: models.Hospital) -> Hospital:
        return cls(
            id=to_global_id("Hospital", row.pk),
            **facility_fields(row),
            **columns(row, "kind", "beds", "icu_beds", "established", "emergency"),
            amenities=list(row.amenities),
            _row=row,
        )

    @strawberry.field
    async def specialties(self, info: Info) -> list[Specialty]:
        loader = info.context.loaders.specialties_by_hospital_id
        return await listed(loader, self._row.pk, Specialty.from_row)

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

        async def load(page: Page) -> list[models.Practitioner]:
            key = HospitalPractitionersKey(self._row.pk, specialty_id, page.first, page.after)
            rows = await ctx.loaders.practitioners_by_hospital.load(key)
            ctx.loaders.prime_practitioners(rows)
            return rows

        count_key = HospitalPractitionerCountKey(self._row.pk, specialty_id)
        return await load_connection(
            info,
            scope,
            first,
            after,
            load,
            Practitioner.from_row,
            lambda p: (p.name, p.pk),
            lambda: ctx.loaders.practitioner_count_by_hospital.load(count_key),
        )


@strawberry.type(description="A diagnostic center or laboratory.")
class DiagnosticCenter(Facility):
    target_kind = TargetKind.DIAGNOSTIC_CENTER
    home_collection: bool
    home_collection_fee: Decimal | None
    report_turnaround_hours: int
    weekly_hours: list[WeeklyHours] = strawberry.field(
        description="Sample collection hours (local time); bookable in collection windows."
    )
    collection_window_minutes: int = strawberry.field(
        description="Length of one collection window (bookLabVisit books a window's start)."
    )
    collection_capacity: int = strawberry.field(description="Visits at the center per window.")
    home_collection_capacity: int = strawberry.field(
        description="Home collections per window (0 without home collection)."
    )
    _row: strawberry.Private[models.DiagnosticCenter]

    @classmethod
    def from_row(cls, row: models.DiagnosticCenter) -> DiagnosticCenter:
        return cls(
            id=to_global_id("DiagnosticCenter", row.pk),
            **facility_fields(row),
            **columns(row, "home_collection", "report_turnaround_hours"),
            home_collection_fee=rupees_or_none(row.home_collection_fee_paise),
            weekly_hours=weekly_hours_of(opening_hours(row)),
            collection_window_minutes=window_minutes(row),
            collection_capacity=window_capacity(row, VisitKind.WALK_IN),
            home_collection_capacity=window_capacity(row, VisitKind.HOME_COLLECTION),
            _row=row,
        )

    @strawberry.field(description="Tests the center prices, by name.")
    async def lab_tests(self, info: Info) -> list[LabTest]:
        loader = info.context.loaders.lab_tests_by_diagnostic_center_id
        return await listed(loader, self._row.pk, LabTest.from_row)


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
        return await linked(loaders.practitioner_by_id, practitioner_id, Practitioner.from_row)
    if hospital_id is not None:
        return await linked(loaders.hospital_by_id, hospital_id, Hospital.from_row)
    if center_id is not None:
        return await linked(loaders.diagnostic_center_by_id, center_id, DiagnosticCenter.from_row)
    return None


async def load_owner(
    info: Info, row: models.PricePackage | models.Review
) -> Practitioner | Hospital | DiagnosticCenter | None:
    """The provider a package belongs to or a review is about (one of its three links)."""
    return await load_provider(info, row.practitioner_id, row.hospital_id, row.diagnostic_center_id)


async def load_provider_of_kind(
    info: Info, kind: TargetKind, target_id: int
) -> Practitioner | Hospital | DiagnosticCenter | None:
    """A provider named by its kind and id (a campaign's target, a Reach listing)."""
    return await load_provider(
        info,
        target_id if kind is TargetKind.PRACTITIONER else None,
        target_id if kind is TargetKind.HOSPITAL else None,
        target_id if kind is TargetKind.DIAGNOSTIC_CENTER else None,
    )


@strawberry.type(description="A priced service of one provider (consultation, test, procedure…).")
class PricePackage(Node):
    name: str
    kind: PackageKind
    ward: Ward | None
    setting: CareSetting | None
    procedure: str | None
    price: PriceRange
    list_price: Decimal | None
    offer_price: Decimal | None
    length_of_stay_days: int | None
    _row: strawberry.Private[models.PricePackage]

    @classmethod
    def from_row(cls, row: models.PricePackage) -> PricePackage:
        return cls(
            id=to_global_id("PricePackage", row.pk),
            **columns(row, "name", "kind", "ward", "setting", "procedure", "length_of_stay_days"),
            price=price_of(row),
            list_price=rupees_or_none(row.list_price_paise),
            offer_price=rupees_or_none(row.offer_price_paise),
            _row=row,
        )

    @strawberry.field(description="The practitioner, hospital or diagnostic center.")
    async def provider(self, info: Info) -> Provider | None:
        return await load_owner(info, self._row)

    @strawberry.field(
        description="For a diagnostic center's test or package: hours until reports are ready."
    )
    async def report_turnaround_hours(self, info: Info) -> int | None:
        return await center_turnaround_hours(info, self._row.diagnostic_center_id)

    @strawberry.field(description="Lab tests included in the package.")
    async def includes(self, info: Info) -> list[LabTest]:
        loader = info.context.loaders.lab_tests_by_package_id
        return await listed(loader, self._row.pk, LabTest.from_row)

    @strawberry.field
    async def source(self, info: Info) -> PriceSource:
        row = self._row
        loaders = info.context.loaders
        feed = await loaders.feed_source_by_id.load(row.feed_id) if row.feed_id else None
        partner: str | None = None
        if feed is None and row.external_ref is not None:
            partner = await loaders.listing_partner_by_package_id.load(row.pk)
        return price_source(row, feed, partner)


async def center_turnaround_hours(info: Info, center_id: int | None) -> int | None:
    """Hours until reports are ready at a package's or a visit's diagnostic center (None when
    it is not at one, or the center is gone)."""
    if center_id is None:
        return None
    center = await info.context.loaders.diagnostic_center_by_id.load(center_id)
    return center.report_turnaround_hours if center else None


async def package_list(
    info: Info,
    owner_kind: TargetKind,
    owner_id: int,
    kind: PackageKind | None,
    ward: Ward | None,
    first: int | None,
) -> list[PricePackage]:
    """An owner's cheapest packages, optionally of one kind and ward (batched per request)."""
    size = check_first(first, info.context.settings)
    key = PackagesKey(owner_kind, owner_id, kind, ward, size)
    return await listed(info.context.loaders.packages_by_owner, key, PricePackage.from_row)


@strawberry.type(description="A published patient review.")
class Review(Node):
    rating: int
    recommend: bool
    tags: list[str]
    wait_time: WaitTime | None
    text: str
    created_at: datetime
    status: ReviewStatus = strawberry.field(
        description="Always PUBLISHED in public lists; the author sees their own in any status."
    )
    author: ReviewAuthor
    reply: ReviewReply | None
    _row: strawberry.Private[models.Review]

    @classmethod
    def from_row(cls, row: models.Review) -> Review:
        return cls(
            id=to_global_id("Review", row.pk),
            **columns(row, "rating", "recommend", "wait_time", "text", "created_at", "status"),
            tags=list(row.tags),
            author=ReviewAuthor(
                display_name=HIDDEN_AUTHOR if row.author_hidden else row.author_display_name,
                verified_patient=row.verified_patient,
            ),
            reply=ReviewReply(text=row.reply_text, replied_at=row.replied_at)
            if row.reply_text
            else None,
            _row=row,
        )

    @strawberry.field(description="The practitioner, hospital or diagnostic center reviewed.")
    async def target(self, info: Info) -> Provider | None:
        return await load_owner(info, self._row)


async def review_page(
    info: Info, kind: TargetKind, target_id: int, first: int | None, after: str | None
) -> Connection[Review]:
    """A page of one target's published reviews, newest first."""
    ctx = info.context

    def load(page: Page) -> Awaitable[list[models.Review]]:
        return ctx.loaders.reviews_by_target.load(
            ReviewsKey(kind, target_id, page.first, page.after)
        )

    async def count() -> int:
        return (await ctx.loaders.review_summary_by_target.load(TargetKey(kind, target_id))).count

    scope = scope_of("reviews", kind=kind.value, target=target_id)
    return await load_connection(
        info, scope, first, after, load, Review.from_row, lambda r: (r.created_at, r.pk), count
    )
