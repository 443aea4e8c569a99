"""Real slugs and places from the seeded data, read through the server with small queries.

Reading them through the API (not the database) means the benchmark needs nothing but the
server's public contract, and the values are exactly those a client would have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

# Cities the search screens are driven for, in order of preference (HMSDESK starts in Pune).
PREFERRED_CITIES = ("pune", "mumbai")
# Specialties whose practitioners stand in for "the profiles people open".
PREFERRED_SPECIALTIES = ("cardiologist", "dermatologist", "dentist", "general-physician")
_JSON = {"Content-Type": "application/json"}


class CatalogueError(RuntimeError):
    """The server did not answer a catalogue query."""


@dataclass(frozen=True)
class Place:
    """A named point (a locality) to search near."""

    slug: str
    lat: float
    lng: float


@dataclass(frozen=True)
class HospitalRef:
    """A hospital and the specialties it lists (to filter its doctors by)."""

    slug: str
    city: str
    specialties: tuple[str, ...]


@dataclass
class Catalogue:
    """Everything the variables factories pick from."""

    cities: list[str] = field(default_factory=list)
    search_cities: list[str] = field(default_factory=list)
    places: dict[str, list[Place]] = field(default_factory=dict)  # city -> localities
    specialties: list[str] = field(default_factory=list)
    lab_tests: list[str] = field(default_factory=list)
    practitioners: list[str] = field(default_factory=list)
    hospitals: list[HospitalRef] = field(default_factory=list)
    centers: list[str] = field(default_factory=list)
    procedures: list[tuple[str, str | None]] = field(default_factory=list)  # (procedure, ward)
    notes: list[str] = field(default_factory=list)


async def graphql(
    session: aiohttp.ClientSession, url: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run one query and return its data; raise CatalogueError on any error."""
    body = orjson.dumps({"query": query, "variables": variables or {}})
    async with session.post(url, data=body, headers=_JSON) as response:
        raw = await response.read()
        status = response.status
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise CatalogueError(f"HTTP {status}: not JSON: {raw[:200]!r}") from None
    if status != 200 or payload.get("errors"):
        messages = "; ".join(e.get("message", "?") for e in payload.get("errors") or [])
        raise CatalogueError(f"HTTP {status}: {messages or raw[:200]!r}")
    data: dict[str, Any] = payload["data"]
    return data


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


_GLOBAL = """
query benchCatalogue {
  cities { slug }
  specialties { slug }
  labTests(first: 50) { edges { node { slug } } }
}
"""

_PER_CITY = """
query benchCityCatalogue($city: String!, $s0: String, $s1: String, $s2: String, $s3: String) {
  s0: practitioners(city: $city, specialty: $s0, first: 10) { edges { node { slug } } }
  s1: practitioners(city: $city, specialty: $s1, first: 10) { edges { node { slug } } }
  s2: practitioners(city: $city, specialty: $s2, first: 10) { edges { node { slug } } }
  s3: practitioners(city: $city, specialty: $s3, first: 10) { edges { node { slug } } }
  hospitals(city: $city, first: 40) {
    edges { node { slug locality { slug lat lng } specialties { slug } } }
  }
  diagnosticCenters(city: $city, first: 20) { edges { node { slug locality { slug lat lng } } } }
}
"""

_PROCEDURES = """
query benchProcedures($city: String!) {
  hospitals(city: $city, first: 50) {
    edges { node { pricePackages(kind: SURGERY_PACKAGE, first: 5) { procedure ward } } }
  }
}
"""


async def fetch_catalogue(session: aiohttp.ClientSession, url: str) -> Catalogue:
    """Slugs and places of the seeded data, as the server returns them."""
    cat = Catalogue()
    data = await graphql(session, url, _GLOBAL)
    cat.cities = [c["slug"] for c in data["cities"]]
    cat.specialties = [s["slug"] for s in data["specialties"]]
    cat.lab_tests = [t["slug"] for t in _nodes(data["labTests"])]
    if not cat.cities:
        raise CatalogueError("the server lists no cities: is the database seeded?")
    preferred = [c for c in PREFERRED_CITIES if c in cat.cities]
    cat.search_cities = preferred or cat.cities[:2]
    chosen: list[str | None] = [s for s in PREFERRED_SPECIALTIES if s in cat.specialties]
    chosen += [s for s in cat.specialties if s not in chosen]
    chosen = [*chosen, None, None, None, None][:4]  # None: any specialty
    for city in cat.search_cities:
        variables: dict[str, Any] = {"city": city}
        variables.update({f"s{i}": slug for i, slug in enumerate(chosen)})
        data = await graphql(session, url, _PER_CITY, variables)
        places: dict[str, Place] = {}
        for alias in ("s0", "s1", "s2", "s3"):
            cat.practitioners += [p["slug"] for p in _nodes(data[alias])]
        for node in _nodes(data["hospitals"]):
            cat.hospitals.append(
                HospitalRef(node["slug"], city, tuple(s["slug"] for s in node["specialties"]))
            )
        for node in _nodes(data["hospitals"]) + _nodes(data["diagnosticCenters"]):
            loc = node.get("locality")
            if loc:
                places[loc["slug"]] = Place(loc["slug"], loc["lat"], loc["lng"])
        cat.centers += [c["slug"] for c in _nodes(data["diagnosticCenters"])]
        cat.places[city] = sorted(places.values(), key=lambda p: p.slug)
    # Two doctors can appear under two specialties; keep each once, in order.
    cat.practitioners = list(dict.fromkeys(cat.practitioners))
    try:
        data = await graphql(session, url, _PROCEDURES, {"city": cat.search_cities[0]})
    except CatalogueError as exc:
        # Only future operations (price comparison) need procedures: note it, go on.
        cat.notes.append(f"no procedures for price comparison: {exc}")
    else:
        seen: dict[tuple[str, str | None], None] = {}
        for node in _nodes(data["hospitals"]):
            for package in node["pricePackages"]:
                if package.get("procedure"):
                    seen[(package["procedure"], package.get("ward"))] = None
        cat.procedures = list(seen)
    return cat
