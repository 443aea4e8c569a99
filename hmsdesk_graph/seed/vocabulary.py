"""The real-world vocabulary behind the seed: places, names, medicine, providers, review words.

The data itself lives in ``seed/data/*.json`` (package data); this module gives it types.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, TypeVar

DATA_DIR = Path(__file__).parent / "data"

R = TypeVar("R")


@dataclass(frozen=True)
class LocalityInfo:
    slug: str
    name: str
    lat: float
    lng: float
    zone: str
    pincode: str
    roads: tuple[str, ...]


@dataclass(frozen=True)
class CityInfo:
    slug: str
    name: str
    state: str
    lat: float
    lng: float
    std_code: str  # landline trunk code, e.g. 20 for Pune
    weight: int
    price_level: float
    region: str
    languages: tuple[str, ...]
    name_pools: tuple[tuple[str, int], ...]
    localities: tuple[LocalityInfo, ...]


@dataclass(frozen=True)
class NamePool:
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]


@dataclass(frozen=True)
class DegreePath:
    weight: int
    steps: tuple[tuple[str, str], ...]  # (degree, college kind)


@dataclass(frozen=True)
class SpecialtyInfo:
    slug: str
    name: str
    noun: str  # how "about" texts call one of them: "a Cardiologist", "an Ayurveda practitioner"
    system: str
    council: str
    female_share: float
    weight: int
    fee: tuple[int, int]  # rupees
    slot_minutes: tuple[int, ...]
    setting: str  # "clinic", "hospital" or "both": where its practitioners tend to practise
    video: float
    related: tuple[str, ...]
    synonyms: tuple[str, ...]
    symptoms: tuple[str, ...]
    conditions: tuple[str, ...]
    services: tuple[str, ...]
    degrees: tuple[DegreePath, ...]
    # What patients type besides the textbook words: Hindi / Marathi transliterations
    # ("dant doctor", "twacha", "haddi") and plain words ("skin", "heart").
    vernacular: tuple[str, ...] = ()

    @property
    def search_synonyms(self) -> list[str]:
        """The specialty table's `synonyms`: the textbook synonyms, then the vernacular."""
        return [*self.synonyms, *self.vernacular]


@dataclass(frozen=True)
class College:
    name: str
    region: str  # "" when outside the seeded cities' states


@dataclass(frozen=True)
class LabTestInfo:
    slug: str
    name: str
    category: str
    sample_type: str
    fasting_hours: int
    parameters_count: int
    price: int  # typical rupees
    imaging: bool
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class HealthPackageInfo:
    name: str
    tests: tuple[str, ...]


@dataclass(frozen=True)
class ProcedureInfo:
    slug: str
    name: str
    kind: str
    setting: str
    specialty: str
    price: int  # typical rupees in a general ward
    stay: int
    wards: str  # "inpatient", "day_care" or "none"
    kinds: tuple[str, ...]  # hospital kinds that offer it


@dataclass(frozen=True)
class Brand:
    name: str
    chain: bool


@dataclass(frozen=True)
class ProviderWords:
    hospital_brands: tuple[Brand, ...]
    hospital_suffixes: dict[str, tuple[str, ...]]
    hospital_kind_weights: dict[str, int]
    center_brands: tuple[Brand, ...]
    center_suffixes: dict[str, tuple[str, ...]]
    building_names: tuple[str, ...]
    building_prefixes: tuple[str, ...]
    amenities: dict[str, tuple[str, ...]]
    hospital_accreditations: dict[str, dict[str, float]]
    center_accreditations: dict[str, float]
    campaign_names: tuple[str, ...]
    feed_errors: tuple[str, ...]


@dataclass(frozen=True)
class ReviewWords:
    tags: dict[str, dict[str, tuple[str, ...]]]  # target kind -> positive / negative
    texts: dict[str, dict[str, tuple[str, ...]]]  # target kind -> positive / neutral / negative
    replies: dict[str, tuple[str, ...]]
    rejection_reasons: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    cities: tuple[CityInfo, ...]
    councils: dict[str, dict[str, str]]  # region -> council kind -> council name
    name_pools: dict[str, NamePool]
    specialties: tuple[SpecialtyInfo, ...]
    colleges: dict[str, tuple[College, ...]]
    college_kind_alias: dict[str, str]
    lab_tests: tuple[LabTestInfo, ...]
    health_packages: tuple[HealthPackageInfo, ...]
    procedures: tuple[ProcedureInfo, ...]
    ward_multiplier: dict[str, float]
    room_rent: dict[str, int]
    providers: ProviderWords
    reviews: ReviewWords

    def colleges_for(self, kind: str) -> tuple[College, ...]:
        return self.colleges[self.college_kind_alias.get(kind, kind)]

    def first_cities(self, count: int | None) -> Vocabulary:
        """The same vocabulary with only the first `count` cities of geo.json (None: all)."""
        if count is None or count >= len(self.cities):
            return self
        if count < 1:
            raise ValueError("a seed needs at least one city")
        return replace(self, cities=self.cities[:count])


def _read(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _tuples(mapping: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(values) for key, values in mapping.items()}


def _record(cls: type[R], raw: dict[str, Any], **special: Any) -> R:
    """A record whose JSON keys are its field names (JSON lists become tuples: the records are
    frozen); `special` gives the fields that need more than that. A missing key with a default
    in the class keeps the default."""
    plain = {
        f.name: tuple(raw[f.name]) if isinstance(raw[f.name], list) else raw[f.name]
        for f in fields(cls)  # type: ignore[arg-type]  # R is always a dataclass here
        if f.name not in special and f.name in raw
    }
    return cls(**plain, **special)


def _city(raw: dict[str, Any]) -> CityInfo:
    return _record(
        CityInfo,
        raw,
        name_pools=tuple((k, int(v)) for k, v in raw["name_pools"].items()),
        localities=tuple(_record(LocalityInfo, loc) for loc in raw["localities"]),
    )


def _specialty(raw: dict[str, Any]) -> SpecialtyInfo:
    return _record(
        SpecialtyInfo,
        raw,
        noun=raw.get("noun", raw["name"]),
        fee=(raw["fee"][0], raw["fee"][1]),
        degrees=tuple(
            DegreePath(d["weight"], tuple((s[0], s[1]) for s in d["steps"])) for d in raw["degrees"]
        ),
    )


def _providers(raw: dict[str, Any]) -> ProviderWords:
    return ProviderWords(
        hospital_brands=tuple(Brand(b["name"], b["chain"]) for b in raw["hospital_brands"]),
        hospital_suffixes=_tuples(raw["hospital_suffixes"]),
        hospital_kind_weights=dict(raw["hospital_kind_weights"]),
        center_brands=tuple(Brand(b["name"], b["chain"]) for b in raw["center_brands"]),
        center_suffixes=_tuples(raw["center_suffixes"]),
        building_names=tuple(raw["building_names"]),
        building_prefixes=tuple(raw["building_prefixes"]),
        amenities=_tuples(raw["amenities"]),
        hospital_accreditations=raw["hospital_accreditations"],
        center_accreditations=raw["center_accreditations"],
        campaign_names=tuple(raw["campaign_names"]),
        feed_errors=tuple(raw["feed_errors"]),
    )


def _reviews(raw: dict[str, Any]) -> ReviewWords:
    return ReviewWords(
        tags={kind: _tuples(groups) for kind, groups in raw["tags"].items()},
        texts={kind: _tuples(groups) for kind, groups in raw["texts"].items()},
        replies=_tuples(raw["replies"]),
        rejection_reasons=tuple(raw["rejection_reasons"]),
    )


@functools.cache
def load_vocabulary() -> Vocabulary:
    """The static data, parsed once per process."""
    geo = _read("geo.json")
    names = _read("names.json")
    medicine = _read("specialties.json")
    catalog = _read("catalog.json")
    return Vocabulary(
        cities=tuple(_city(c) for c in geo["cities"]),
        councils=geo["councils"],
        name_pools={
            key: NamePool(tuple(p["female"]), tuple(p["male"]), tuple(p["surnames"]))
            for key, p in names["pools"].items()
        },
        specialties=tuple(_specialty(s) for s in medicine["specialties"]),
        colleges={
            kind: tuple(College(name, region) for name, region in entries)
            for kind, entries in medicine["colleges"].items()
        },
        college_kind_alias=dict(medicine["college_kind_alias"]),
        lab_tests=tuple(_record(LabTestInfo, t) for t in catalog["lab_tests"]),
        health_packages=tuple(
            HealthPackageInfo(p["name"], tuple(p["tests"])) for p in catalog["health_packages"]
        ),
        procedures=tuple(_record(ProcedureInfo, p) for p in catalog["procedures"]),
        ward_multiplier=dict(catalog["ward_multiplier"]),
        room_rent=dict(catalog["room_rent"]),
        providers=_providers(_read("providers.json")),
        reviews=_reviews(_read("reviews.json")),
    )
