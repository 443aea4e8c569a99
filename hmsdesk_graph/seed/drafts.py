"""The skeleton records the seed decides first: facilities, practitioners, practices, partners."""

from __future__ import annotations

from dataclasses import dataclass, field

from hmsdesk_graph.seed.scale import Scale
from hmsdesk_graph.seed.vocabulary import Brand, LocalityInfo, Vocabulary

HOSPITAL = "HOSPITAL"
CLINIC = "CLINIC"
NURSING_HOME = "NURSING_HOME"

Session = tuple[int, int, int]  # weekday (0 = Monday), start and end minute of the local day


@dataclass(slots=True)
class LocalityRef:
    id: int
    city: int  # index into Vocabulary.cities (the city's id is index + 1)
    info: LocalityInfo


@dataclass(slots=True)
class HospitalDraft:
    id: int
    city: int
    locality_id: int
    kind: str
    brand: Brand
    name: str
    slug: str
    lat: float
    lng: float
    beds: int
    icu_beds: int
    price_level: float
    quality: float
    popularity: float
    partner_id: int | None = None
    specialty_ids: set[int] = field(default_factory=set)


@dataclass(slots=True)
class CenterDraft:
    id: int
    city: int
    locality_id: int
    brand: Brand
    name: str
    slug: str
    lat: float
    lng: float
    imaging: bool
    home_collection: bool
    price_level: float
    quality: float
    popularity: float
    partner_id: int | None = None
    home_collection_fee_paise: int | None = None  # drawn by seed.facilities.center_rows


@dataclass(slots=True)
class PractitionerDraft:
    id: int
    city: int
    female: bool
    first: str
    last: str
    slug: str
    specialties: list[int]  # indices into Vocabulary.specialties, primary first
    experience: int  # years since practising_since
    popularity: float
    quality: float
    offers_video: bool
    active: bool  # False: registration EXPIRED, so no upcoming bookings
    hospital_ids: list[int] = field(default_factory=list)
    role_ids: list[int] = field(default_factory=list)
    partner_id: int | None = None


@dataclass(slots=True)
class RoleDraft:
    id: int
    practitioner_id: int
    hospital_id: int
    fee_paise: int
    video_fee_paise: int | None
    sessions: tuple[Session, ...]
    slot_minutes: int
    slot_capacity: int
    share: float


@dataclass(slots=True)
class PartnerDraft:
    id: int
    slug: str
    name: str
    kind: str  # hospital-chain, hospital, center-chain, center, practitioner
    created_days_ago: int
    hospital_ids: list[int] = field(default_factory=list)
    center_ids: list[int] = field(default_factory=list)
    practitioner_ids: list[int] = field(default_factory=list)


@dataclass
class World:
    vocab: Vocabulary
    scale: Scale
    seed: int
    localities: list[LocalityRef]
    hospitals: list[HospitalDraft]  # index = id - 1, likewise below
    centers: list[CenterDraft]
    practitioners: list[PractitionerDraft]
    roles: list[RoleDraft]
    partners: list[PartnerDraft]

    def locality(self, locality_id: int) -> LocalityRef:
        return self.localities[locality_id - 1]
