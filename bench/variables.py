"""Realistic variables for each operation, chosen from the seeded data, and the run plan.

A factory returns several variable sets that the load rotates through (several cities, search
phrases, with and without a location), so no single cached path flatters the numbers. Factories
are found by operation name first, then by the operation's root field, so an operation file
added later (``searchHospitals``, ``priceComparison`` …) is driven as soon as it appears. Each set
is cut down to the variables the operation declares; an operation whose required variables no
factory provides is skipped, and the report says why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import cycle
from typing import Any, TypeVar

from bench.catalogue import Catalogue, Place
from bench.operations import Operation

T = TypeVar("T")
VariableSet = dict[str, Any]
Factory = Callable[[Catalogue, Operation], list[VariableSet]]

PRACTITIONER_PHRASES = ("cardiologist", "skin specialist", "chest pain", None)
HOSPITAL_PHRASES = ("cardiologist", "multispeciality hospital", "knee replacement", None)
CENTER_PHRASES = ("blood test", "thyroid", "MRI", None)
PACKAGE_PHRASES = ("full body checkup", "knee replacement", "complete blood count", None)
LAB_TEST_PHRASES = ("blood", "thyroid", "vitamin", None)
SUGGEST_PREFIXES = ("car", "skin", "che", "den", "thyr", "full bo")
NEAR_RADIUS_KM = 10.0
PROFILES_PER_KIND = 40


def _near(place: Place) -> dict[str, float]:
    return {"lat": place.lat, "lng": place.lng, "radiusKm": NEAR_RADIUS_KM}


def _search_sets(cat: Catalogue, phrases: Iterable[str | None]) -> list[VariableSet]:
    """Every search city and phrase, once anywhere in the city and once near a locality."""
    sets: list[VariableSet] = []
    for city in cat.search_cities:
        places = cycle(cat.places.get(city) or [None])
        for phrase in phrases:
            sets.append({"city": city, "query": phrase, "first": 20})
            place = next(places)
            if place is not None:
                sets.append({"city": city, "query": phrase, "near": _near(place), "first": 20})
    return sets


def practitioner_search(cat: Catalogue, _op: Operation) -> list[VariableSet]:
    """The search screen: phrases, near a locality or not, and two filtered orderings."""
    sets = _search_sets(cat, PRACTITIONER_PHRASES)
    for city in cat.search_cities:
        sets.append(
            {"city": city, "query": "dentist", "filter": {"feeMax": "800"}, "sort": "FEE_ASC"}
        )
        if "dermatologist" in cat.specialties:
            sets.append(
                {
                    "city": city,
                    "filter": {"specialties": ["dermatologist"], "gender": "FEMALE"},
                    "sort": "RATING",
                }
            )
    return sets


# The floor screen (bench/floor.py answers exactly these): one specialty list per city.
SEARCH_LIST_SPECIALTIES = ("dentist", "cardiologist")


def search_list(cat: Catalogue, _op: Operation) -> list[VariableSet]:
    """The results list by specialty, most experienced first, in every search city."""
    wanted = [s for s in SEARCH_LIST_SPECIALTIES if s in cat.specialties] or cat.specialties[:1]
    return [
        {"city": city, "specialty": specialty, "sort": "EXPERIENCE", "first": 20}
        for city in cat.search_cities
        for specialty in wanted
    ]


def hospital_search(cat: Catalogue, _op: Operation) -> list[VariableSet]:
    """Hospital search: phrases, near a locality or not."""
    return _search_sets(cat, HOSPITAL_PHRASES)


def center_search(cat: Catalogue, _op: Operation) -> list[VariableSet]:
    """Diagnostic center search: phrases, near a locality or not."""
    return _search_sets(cat, CENTER_PHRASES)


def package_search(cat: Catalogue, _op: Operation) -> list[VariableSet]:
    """Package search: phrases, near a locality or not."""
    return _search_sets(cat, PACKAGE_PHRASES)


def price_comparison(cat: Catalogue, op: Operation) -> list[VariableSet]:
    """Lab-test prices per city, or procedure prices per ward, whichever the operation asks."""
    if "labTest" in op.variable_names and ("procedure" not in op.required_variables):
        return [
            {"city": city, "labTest": test}
            for city in cat.search_cities
            for test in cat.lab_tests[:8]
        ]
    return [
        {"city": city, "procedure": procedure, "ward": ward}
        for city in cat.search_cities
        for procedure, ward in cat.procedures[:8]
    ]


def suggest(cat: Catalogue, _op: Operation) -> list[VariableSet]:
    """Type-ahead: short prefixes, as typed."""
    return [{"city": c, "prefix": p} for c in cat.search_cities for p in SUGGEST_PREFIXES]


def lab_tests(_cat: Catalogue, _op: Operation) -> list[VariableSet]:
    """The lab test picker."""
    return [{"query": phrase, "first": 20} for phrase in LAB_TEST_PHRASES]


def practitioner_profile(cat: Catalogue, _op: Operation) -> list[VariableSet]:
    """Profiles of practitioners of several specialties and cities."""
    return [{"slug": slug} for slug in _spread(cat.practitioners, PROFILES_PER_KIND)]


def hospital_profile(cat: Catalogue, _op: Operation) -> list[VariableSet]:
    """Hospital pages, every other one with its doctors filtered by one of its specialties."""
    sets: list[VariableSet] = []
    for i, hospital in enumerate(_spread(cat.hospitals, PROFILES_PER_KIND)):
        specialty = hospital.specialties[i % len(hospital.specialties)] if i % 2 else None
        sets.append({"slug": hospital.slug, "specialty": specialty})
    return sets


def center_profile(cat: Catalogue, _op: Operation) -> list[VariableSet]:
    """Diagnostic center pages."""
    return [{"slug": slug} for slug in _spread(cat.centers, PROFILES_PER_KIND)]


def _spread(items: list[T], count: int) -> list[T]:
    # Evenly spaced picks, so both cities (listed one after the other) are represented.
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


BY_OPERATION: dict[str, Factory] = {
    "webSearchPractitioners": practitioner_search,
    "mobileSearchPractitioners": practitioner_search,
    "searchList": search_list,
    "practitionerProfile": practitioner_profile,
    "hospitalProfile": hospital_profile,
    "diagnosticCenterProfile": center_profile,
    "hospitalListing": hospital_search,
    "labTestPriceComparison": price_comparison,
}

BY_ROOT_FIELD: dict[str, Factory] = {
    "searchPractitioners": practitioner_search,
    "searchHospitals": hospital_search,
    "searchDiagnosticCenters": center_search,
    "searchPackages": package_search,
    "priceComparison": price_comparison,
    "suggest": suggest,
    "labTests": lab_tests,
    "practitioner": practitioner_profile,
    "hospital": hospital_profile,
    "diagnosticCenter": center_profile,
}


# Root fields that answer only a signed-in viewer: the benchmark sends anonymous requests.
NEEDS_VIEWER = {
    "me": "a PATIENT token",
    "reach": "a PARTNER token (and the partner's own listings)",
}


@dataclass(frozen=True)
class Plan:
    """An operation to drive, with the variable sets to rotate through."""

    operation: Operation
    variable_sets: tuple[VariableSet, ...]
    source: str


@dataclass(frozen=True)
class Skipped:
    """An operation the benchmark does not drive, and why."""

    operation: str
    reason: str


def _factory_for(op: Operation) -> tuple[Factory, str] | None:
    if op.name in BY_OPERATION:
        return BY_OPERATION[op.name], "by operation name"
    for root in op.root_fields:
        if root in BY_ROOT_FIELD:
            return BY_ROOT_FIELD[root], f"by root field {root}"
    return None


def plan_operation(op: Operation, cat: Catalogue) -> Plan | Skipped:
    """Variables for one operation, or the reason it is skipped."""
    found = _factory_for(op)
    if op.kind != "query" and op.name not in BY_OPERATION:
        # Driving a write in a loop would change the data under the other runs.
        return Skipped(op.name, f"a {op.kind}: the benchmark drives read operations only")
    if found is None:
        viewer = [NEEDS_VIEWER[r] for r in op.root_fields if r in NEEDS_VIEWER]
        if viewer:
            return Skipped(
                op.name, f"needs {viewer[0]}; the benchmark sends anonymous requests only"
            )
        if not op.variables:
            return Plan(op, ({},), "declares no variables")
        roots = ", ".join(op.root_fields)
        return Skipped(
            op.name,
            f"no variables factory for this operation or its root field ({roots}): "
            "add one to bench/variables.py",
        )
    factory, source = found
    declared = op.variable_names
    sets: list[VariableSet] = []
    for raw in factory(cat, op):
        # Dropping None lets the operation's own defaults apply, as a client omitting them.
        kept = {k: v for k, v in raw.items() if k in declared and v is not None}
        if kept not in sets:
            sets.append(kept)
    if not sets:
        return Skipped(op.name, "the seeded data offers no values for it")
    missing = sorted({name for s in sets for name in op.required_variables - s.keys()})
    if missing:
        names = ", ".join(f"${m}" for m in missing)
        return Skipped(op.name, f"its factory ({source}) gives no {names}")
    return Plan(op, tuple(sets), source)
