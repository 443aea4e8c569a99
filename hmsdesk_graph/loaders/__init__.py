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

    @cached_property
    def practitioner_by_id(self) -> DataLoader[int, models.Practitioner | None]:
        return DataLoader(load_fn=providers.load_practitioners)

    @cached_property
    def hospital_by_id(self) -> DataLoader[int, models.Hospital | None]:
        return DataLoader(load_fn=providers.load_hospitals)

    @cached_property
    def diagnostic_center_by_id(self) -> DataLoader[int, models.DiagnosticCenter | None]:
        return DataLoader(load_fn=providers.load_diagnostic_centers)

    @cached_property
    def city_by_id(self) -> DataLoader[int, models.City | None]:
        return DataLoader(load_fn=providers.load_cities)

    @cached_property
    def locality_by_id(self) -> DataLoader[int, models.Locality | None]:
        return DataLoader(load_fn=providers.load_localities)

    @cached_property
    def specialty_by_id(self) -> DataLoader[int, models.Specialty | None]:
        return DataLoader(load_fn=providers.load_specialties)

    @cached_property
    def lab_test_by_id(self) -> DataLoader[int, models.LabTest | None]:
        return DataLoader(load_fn=providers.load_lab_tests)

    @cached_property
    def role_by_id(self) -> DataLoader[int, models.PractitionerRole | None]:
        return DataLoader(load_fn=providers.load_roles)

    @cached_property
    def roles_by_practitioner_id(self) -> DataLoader[int, list[models.PractitionerRole]]:
        return DataLoader(load_fn=providers.load_roles_by_practitioner)

    @cached_property
    def specialties_by_practitioner_id(self) -> DataLoader[int, list[models.Specialty]]:
        return DataLoader(load_fn=providers.load_specialties_by_practitioner)

    @cached_property
    def specialties_by_hospital_id(self) -> DataLoader[int, list[models.Specialty]]:
        return DataLoader(load_fn=providers.load_specialties_by_hospital)

    @cached_property
    def practitioners_by_hospital(
        self,
    ) -> DataLoader[HospitalPractitionersKey, list[models.Practitioner]]:
        return DataLoader(load_fn=providers.load_practitioners_by_hospital)

    @cached_property
    def practitioner_count_by_hospital(self) -> DataLoader[HospitalPractitionerCountKey, int]:
        return DataLoader(load_fn=providers.load_practitioner_counts_by_hospital)

    @cached_property
    def lab_tests_by_diagnostic_center_id(self) -> DataLoader[int, list[models.LabTest]]:
        return DataLoader(load_fn=providers.load_lab_tests_by_diagnostic_center)

    @cached_property
    def packages_by_owner(self) -> DataLoader[PackagesKey, list[models.PricePackage]]:
        return DataLoader(load_fn=prices.load_packages_by_owner)

    @cached_property
    def package_by_id(self) -> DataLoader[int, models.PricePackage | None]:
        return DataLoader(load_fn=prices.load_packages)

    @cached_property
    def lab_tests_by_package_id(self) -> DataLoader[int, list[models.LabTest]]:
        return DataLoader(load_fn=prices.load_lab_tests_by_package)

    @cached_property
    def feed_source_by_id(self) -> DataLoader[int, prices.FeedSource | None]:
        return DataLoader(load_fn=prices.load_feed_sources)

    @cached_property
    def listing_partner_by_package_id(self) -> DataLoader[int, str | None]:
        return DataLoader(load_fn=prices.load_listing_partners)

    @cached_property
    def review_summary_by_target(self) -> DataLoader[TargetKey, RatingCounts]:
        return DataLoader(load_fn=reviews.load_review_summaries)

    @cached_property
    def reviews_by_target(self) -> DataLoader[ReviewsKey, list[models.Review]]:
        return DataLoader(load_fn=reviews.load_reviews_by_target)

    @cached_property
    def city_by_slug(self) -> DataLoader[str, models.City | None]:
        return DataLoader(load_fn=providers.load_cities_by_slug)

    @cached_property
    def specialty_by_slug(self) -> DataLoader[str, models.Specialty | None]:
        return DataLoader(load_fn=providers.load_specialties_by_slug)

    @cached_property
    def practitioner_by_slug(self) -> DataLoader[str, models.Practitioner | None]:
        return DataLoader(load_fn=providers.load_practitioners_by_slug)

    @cached_property
    def hospital_by_slug(self) -> DataLoader[str, models.Hospital | None]:
        return DataLoader(load_fn=providers.load_hospitals_by_slug)

    @cached_property
    def diagnostic_center_by_slug(self) -> DataLoader[str, models.DiagnosticCenter | None]:
        return DataLoader(load_fn=providers.load_diagnostic_centers_by_slug)

    @cached_property
    def review_by_id(self) -> DataLoader[int, models.Review | None]:
        return DataLoader(load_fn=reviews.load_reviews)

    @cached_property
    def patient_private_by_id(self) -> DataLoader[int, models.Patient | None]:
        """Patients with their ciphertext: only for resolvers that check the viewer first."""
        return DataLoader(load_fn=care.load_patients_private)

    @cached_property
    def appointment_private_by_id(self) -> DataLoader[int, models.Appointment | None]:
        return DataLoader(load_fn=care.load_appointments_private)

    @cached_property
    def appointments_by_patient(
        self,
    ) -> DataLoader[care.PatientAppointmentsKey, list[models.Appointment]]:
        return DataLoader(load_fn=care.load_appointments_by_patient)

    @cached_property
    def reviews_by_patient_id(self) -> DataLoader[int, list[models.Review]]:
        """A patient's own reviews (every status): only for that patient or staff."""
        return DataLoader(load_fn=care.load_reviews_by_patient)

    @cached_property
    def outcome_record_by_role_id(self) -> DataLoader[int, OutcomeRecord]:
        """The practice's latest outcomes, which decide instant booking (no personal data)."""
        return DataLoader(load_fn=care.load_outcome_records)

    @cached_property
    def consents_by_patient_id(self) -> DataLoader[int, list[models.Consent]]:
        return DataLoader(load_fn=care.load_consents_by_patient)

    def serve_slugs_from(
        self,
        cities: Callable[[Sequence[str]], Awaitable[list[models.City | None]]],
        specialties: Callable[[Sequence[str]], Awaitable[list[models.Specialty | None]]],
    ) -> None:
        """Answer city and specialty slugs from these batch functions (a worker's reference
        rows, on the compiled path) instead of one statement per request each."""
        # Set before first use: the cached_property would otherwise build the default ones.
        self.__dict__["city_by_slug"] = DataLoader(load_fn=cities)
        self.__dict__["specialty_by_slug"] = DataLoader(load_fn=specialties)

    def prime_practitioners(self, rows: list[models.Practitioner]) -> None:
        """Rows a listing already fetched answer later by-id loads without a query."""
        self.practitioner_by_id.prime_many({row.pk: row for row in rows})

    def prime_hospitals(self, rows: list[models.Hospital]) -> None:
        self.hospital_by_id.prime_many({row.pk: row for row in rows})

    def prime_diagnostic_centers(self, rows: list[models.DiagnosticCenter]) -> None:
        self.diagnostic_center_by_id.prime_many({row.pk: row for row in rows})
