"""Enumerations stored in the database; the GraphQL enums mirror them."""

from enum import StrEnum


class Gender(StrEnum):
    FEMALE = "FEMALE"
    MALE = "MALE"
    OTHER = "OTHER"


class SystemOfMedicine(StrEnum):
    ALLOPATHY = "ALLOPATHY"
    DENTISTRY = "DENTISTRY"
    AYURVEDA = "AYURVEDA"
    HOMEOPATHY = "HOMEOPATHY"
    PHYSIOTHERAPY = "PHYSIOTHERAPY"


class PractitionerStatus(StrEnum):
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"


class HospitalKind(StrEnum):
    HOSPITAL = "HOSPITAL"
    CLINIC = "CLINIC"
    NURSING_HOME = "NURSING_HOME"


class BookingMode(StrEnum):
    INSTANT = "INSTANT"
    REQUEST = "REQUEST"
    CALL_ONLY = "CALL_ONLY"


class PackageKind(StrEnum):
    CONSULTATION = "CONSULTATION"
    FOLLOW_UP = "FOLLOW_UP"
    VIDEO_CONSULTATION = "VIDEO_CONSULTATION"
    LAB_TEST = "LAB_TEST"
    HEALTH_PACKAGE = "HEALTH_PACKAGE"
    PROCEDURE = "PROCEDURE"
    SURGERY_PACKAGE = "SURGERY_PACKAGE"
    ROOM_RENT = "ROOM_RENT"


class Ward(StrEnum):
    GENERAL = "GENERAL"
    SEMI_PRIVATE = "SEMI_PRIVATE"
    PRIVATE = "PRIVATE"
    DELUXE = "DELUXE"
    ICU = "ICU"
    DAY_CARE = "DAY_CARE"


class CareSetting(StrEnum):
    INPATIENT = "INPATIENT"
    OUTPATIENT = "OUTPATIENT"


class TargetKind(StrEnum):
    PRACTITIONER = "PRACTITIONER"
    HOSPITAL = "HOSPITAL"
    DIAGNOSTIC_CENTER = "DIAGNOSTIC_CENTER"


class ReviewStatus(StrEnum):
    PENDING = "PENDING"
    PUBLISHED = "PUBLISHED"
    REJECTED = "REJECTED"


class WaitTime(StrEnum):
    UNDER_15_MIN = "UNDER_15_MIN"
    MIN_15_TO_30 = "MIN_15_TO_30"
    MIN_30_TO_60 = "MIN_30_TO_60"
    OVER_60_MIN = "OVER_60_MIN"


class AppointmentStatus(StrEnum):
    BOOKED = "BOOKED"
    HONOURED = "HONOURED"
    CANCELLED = "CANCELLED"
    PATIENT_NO_SHOW = "PATIENT_NO_SHOW"
    PROVIDER_NO_SHOW = "PROVIDER_NO_SHOW"


class VisitKind(StrEnum):
    CONSULTATION = "CONSULTATION"
    WALK_IN = "WALK_IN"
    HOME_COLLECTION = "HOME_COLLECTION"


class CampaignStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ENDED = "ENDED"


class EventKind(StrEnum):
    IMPRESSION = "IMPRESSION"
    SPONSORED_IMPRESSION = "SPONSORED_IMPRESSION"
    PROFILE_VIEW = "PROFILE_VIEW"
    CONTACT_REVEAL = "CONTACT_REVEAL"
    BOOKING_REQUESTED = "BOOKING_REQUESTED"
    BOOKING_HONOURED = "BOOKING_HONOURED"


class Channel(StrEnum):
    WEB = "WEB"
    MOBILE = "MOBILE"
    API = "API"


class FeedFormat(StrEnum):
    JSON = "JSON"
    CSV = "CSV"


class FeedStatus(StrEnum):
    ACTIVE = "ACTIVE"
    FAILING = "FAILING"
    DISABLED = "DISABLED"


class FeedRunStatus(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    NOT_MODIFIED = "NOT_MODIFIED"
    FAILED = "FAILED"


class ConsentPurpose(StrEnum):
    BOOKING_COMMUNICATION = "BOOKING_COMMUNICATION"
    FEEDBACK_REQUESTS = "FEEDBACK_REQUESTS"
    MARKETING = "MARKETING"
    RESEARCH_ANALYTICS = "RESEARCH_ANALYTICS"


class ErasureStatus(StrEnum):
    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"


class DeliveryStatus(StrEnum):
    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"
