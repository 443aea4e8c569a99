"""Per-request DataLoaders (DESIGN §5), named `<value>_by_<key>`; one module per domain.

`Loaders` builds each loader on first use. It belongs to one request's Context and is never
shared, so its caches never serve one viewer's rows to another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from functools import cached_property

from strawberry.dataloader import DataLoader

from hmsdesk_graph.db import models
from hmsdesk_graph.instant_booking import OutcomeRecord
from hmsdesk_graph.loaders import care, prices, providers, reviews
from hmsdesk_graph.loaders.availability import slots_batch
from hmsdesk_graph.loaders.base import LoaderOf
from hmsdesk_graph.loaders.prices import PackagesKey
from hmsdesk_graph.loaders.providers import HospitalPractitionerCountKey, HospitalPractitionersKey
from hmsdesk_graph.loaders.reviews import RatingCounts, ReviewsKey, TargetKey
from hmsdesk_graph.shared.last_good import KeptSlots
from hmsdesk_graph.upstream import Upstreams


class Loaders:
    """The DataLoaders of one request."""

    def __init__(self, upstreams: Upstreams | None = None, deadline: float = 0.0) -> None:
        self._upstreams = upstreams
        self._deadline = deadline
        # Roles whose slots this request got from the last good values (the practice system
        # failed): what fields mark CACHED, with their age.
        self.stale_slots: dict[int, KeptSlots] = {}

    @cached_property
    def slots_by_role_id(self) -> DataLoader[int, tuple[datetime, ...]]:
        """Live open slots for the next 7 days: one practice-system call per request (the
        last good ones, recorded in `stale_slots`, while it fails)."""
        return DataLoader(load_fn=slots_batch(self._upstreams, self._deadline, self.stale_slots))

    practitioner_by_id = LoaderOf[int, models.Practitioner | None](providers.load_practitioners)
    hospital_by_id = LoaderOf[int, models.Hospital | None](providers.load_hospitals)
    diagnostic_center_by_id = LoaderOf[int, models.DiagnosticCenter | None](
        providers.load_diagnostic_centers
    )
    city_by_id = LoaderOf[int, models.City | None](providers.load_cities)
    locality_by_id = LoaderOf[int, models.Locality | None](providers.load_localities)
    specialty_by_id = LoaderOf[int, models.Specialty | None](providers.load_specialties)
    lab_test_by_id = LoaderOf[int, models.LabTest | None](providers.load_lab_tests)
    role_by_id = LoaderOf[int, models.PractitionerRole | None](providers.load_roles)
    roles_by_practitioner_id = LoaderOf[int, list[models.PractitionerRole]](
        providers.load_roles_by_practitioner
    )
    specialties_by_practitioner_id = LoaderOf[int, list[models.Specialty]](
        providers.load_specialties_by_practitioner
    )
    specialties_by_hospital_id = LoaderOf[int, list[models.Specialty]](
        providers.load_specialties_by_hospital
    )
    practitioners_by_hospital = LoaderOf[HospitalPractitionersKey, list[models.Practitioner]](
        providers.load_practitioners_by_hospital
    )
    practitioner_count_by_hospital = LoaderOf[HospitalPractitionerCountKey, int](
        providers.load_practitioner_counts_by_hospital
    )
    lab_tests_by_diagnostic_center_id = LoaderOf[int, list[models.LabTest]](
        providers.load_lab_tests_by_diagnostic_center
    )
    packages_by_owner = LoaderOf[PackagesKey, list[models.PricePackage]](
        prices.load_packages_by_owner
    )
    package_by_id = LoaderOf[int, models.PricePackage | None](prices.load_packages)
    lab_tests_by_package_id = LoaderOf[int, list[models.LabTest]](prices.load_lab_tests_by_package)
    feed_source_by_id = LoaderOf[int, prices.FeedSource | None](prices.load_feed_sources)
    listing_partner_by_package_id = LoaderOf[int, str | None](prices.load_listing_partners)
    review_summary_by_target = LoaderOf[TargetKey, RatingCounts](reviews.load_review_summaries)
    reviews_by_target = LoaderOf[ReviewsKey, list[models.Review]](reviews.load_reviews_by_target)
    city_by_slug = LoaderOf[str, models.City | None](providers.load_cities_by_slug)
    specialty_by_slug = LoaderOf[str, models.Specialty | None](providers.load_specialties_by_slug)
    practitioner_by_slug = LoaderOf[str, models.Practitioner | None](
        providers.load_practitioners_by_slug
    )
    hospital_by_slug = LoaderOf[str, models.Hospital | None](providers.load_hospitals_by_slug)
    diagnostic_center_by_slug = LoaderOf[str, models.DiagnosticCenter | None](
        providers.load_diagnostic_centers_by_slug
    )
    review_by_id = LoaderOf[int, models.Review | None](reviews.load_reviews)
    # Patients with their ciphertext: only for resolvers that check the viewer first.
    patient_private_by_id = LoaderOf[int, models.Patient | None](care.load_patients_private)
    appointment_private_by_id = LoaderOf[int, models.Appointment | None](
        care.load_appointments_private
    )
    appointments_by_patient = LoaderOf[care.PatientAppointmentsKey, list[models.Appointment]](
        care.load_appointments_by_patient
    )
    # A patient's own reviews (every status): only for that patient or staff.
    reviews_by_patient_id = LoaderOf[int, list[models.Review]](care.load_reviews_by_patient)
    # The practice's latest outcomes, which decide instant booking (no personal data).
    outcome_record_by_role_id = LoaderOf[int, OutcomeRecord](care.load_outcome_records)
    consents_by_patient_id = LoaderOf[int, list[models.Consent]](care.load_consents_by_patient)

    def serve_slugs_from(
        self,
        cities: Callable[[Sequence[str]], Awaitable[list[models.City | None]]],
        specialties: Callable[[Sequence[str]], Awaitable[list[models.Specialty | None]]],
    ) -> None:
        """Answer city and specialty slugs from these batch functions (a worker's reference
        rows, on the compiled path) instead of one statement per request each."""
        # Set before first use: the LoaderOf attributes would otherwise build the default ones.
        self.__dict__["city_by_slug"] = DataLoader(load_fn=cities)
        self.__dict__["specialty_by_slug"] = DataLoader(load_fn=specialties)

    def prime_practitioners(self, rows: list[models.Practitioner]) -> None:
        """Rows a listing already fetched answer later by-id loads without a query."""
        self.practitioner_by_id.prime_many({row.pk: row for row in rows})

    def prime_hospitals(self, rows: list[models.Hospital]) -> None:
        self.hospital_by_id.prime_many({row.pk: row for row in rows})

    def prime_diagnostic_centers(self, rows: list[models.DiagnosticCenter]) -> None:
        self.diagnostic_center_by_id.prime_many({row.pk: row for row in rows})
