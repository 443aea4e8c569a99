"""Tortoise models of the ``hmsdesk`` app (DESIGN §3)."""

from hmsdesk_graph.db.models.cache import CacheTagVersion
from hmsdesk_graph.db.models.care import (
    Appointment,
    CenterSlotBooking,
    Patient,
    Review,
    SlotBooking,
)
from hmsdesk_graph.db.models.catalog import LabTest, Specialty
from hmsdesk_graph.db.models.facets import PractitionerFacetCount, PractitionerFacetMember
from hmsdesk_graph.db.models.feeds import Feed, FeedRun, QuarantinedPrice
from hmsdesk_graph.db.models.geo import City, Locality
from hmsdesk_graph.db.models.messages import MessageDelivery
from hmsdesk_graph.db.models.prices import PackageLabTest, PricePackage
from hmsdesk_graph.db.models.privacy import AuditLog, Consent, ErasureRequest
from hmsdesk_graph.db.models.providers import (
    DiagnosticCenter,
    Hospital,
    HospitalSpecialty,
    Practitioner,
    PractitionerRole,
    PractitionerSpecialty,
)
from hmsdesk_graph.db.models.reach import Campaign, DailyStat, ListingEvent, Partner

__models__ = [
    City,
    Locality,
    Specialty,
    LabTest,
    Partner,
    Practitioner,
    PractitionerSpecialty,
    Hospital,
    HospitalSpecialty,
    PractitionerRole,
    DiagnosticCenter,
    Feed,
    FeedRun,
    QuarantinedPrice,
    PricePackage,
    PackageLabTest,
    Patient,
    Appointment,
    SlotBooking,
    CenterSlotBooking,
    Review,
    Campaign,
    ListingEvent,
    DailyStat,
    Consent,
    AuditLog,
    ErasureRequest,
    MessageDelivery,
    CacheTagVersion,
    PractitionerFacetCount,
    PractitionerFacetMember,
]

__all__ = [
    "Appointment",
    "AuditLog",
    "CacheTagVersion",
    "Campaign",
    "CenterSlotBooking",
    "City",
    "Consent",
    "DailyStat",
    "DiagnosticCenter",
    "ErasureRequest",
    "Feed",
    "FeedRun",
    "Hospital",
    "HospitalSpecialty",
    "LabTest",
    "ListingEvent",
    "Locality",
    "MessageDelivery",
    "PackageLabTest",
    "Partner",
    "Patient",
    "Practitioner",
    "PractitionerFacetCount",
    "PractitionerFacetMember",
    "PractitionerRole",
    "PractitionerSpecialty",
    "PricePackage",
    "QuarantinedPrice",
    "Review",
    "SlotBooking",
    "Specialty",
]
