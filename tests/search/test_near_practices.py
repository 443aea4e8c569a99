"""searchPractitioners(near:): a practitioner is as near as their nearest practice.

The issue's case: a doctor whose cheapest (stored) practice is across the city but who also
practises at a hospital 0.45 km from the searched point is found, measured to that hospital,
and the card names it. Runs on SQLite and PostgreSQL with the same ids and order.
"""

from __future__ import annotations

from typing import Any

import pytest

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import BookingMode, Gender, HospitalKind
from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.search.query import KM_PER_DEGREE
from tests.conftest import GraphQLClient
from tests.factories import Dataset

POINT = {"lat": 18.5018, "lng": 73.8636}

SEARCH = """
query S($near: NearInput, $sort: PractitionerSort = DISTANCE, $first: Int = 20,
        $after: String, $query: String) {
  searchPractitioners(city: "pune", near: $near, sort: $sort, first: $first, after: $after,
                      query: $query) {
    totalCount
    edges {
      cursor sponsored distanceKm
      node { slug }
      nearestPractice { id hospital { slug } fees { consultation } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _hospital(slug: str, lat: float, lng: float, locality: models.Locality) -> int:
    hospital = await models.Hospital.create(
        slug=slug,
        name=slug.replace("-", " ").title(),
        kind=HospitalKind.CLINIC,
        city_id=locality.city_id,
        locality=locality,
        address="Pune",
        lat=lat,
        lng=lng,
    )
    return int(hospital.pk)


async def _practitioner(
    pid: int, slug: str, city_id: int, practices: list[tuple[int, int]]
) -> None:
    await models.Practitioner.create(
        id=pid,
        slug=slug,
        name=slug.replace("-", " ").title(),
        gender=Gender.FEMALE,
        city_id=city_id,
        registration_number=f"MMC-{pid}",
        council="Maharashtra Medical Council",
        practising_since=2010,
    )
    for hospital_id, fee in practices:
        await models.PractitionerRole.create(
            practitioner_id=pid,
            hospital_id=hospital_id,
            consultation_fee_paise=fee,
            booking_mode=BookingMode.REQUEST,
        )


@pytest.fixture
async def practices(dataset: Dataset) -> dict[str, int]:
    """Three clinics around the issue's point and three doctors practising at them."""
    kothrud = await models.Locality.get(slug="kothrud")
    pune = dataset.city_ids["pune"]
    north = POINT["lat"] + 0.45 / KM_PER_DEGREE  # 0.45 km due north
    near_id = await _hospital("clinic-045-km", north, POINT["lng"], kothrud)
    one_km_id = await _hospital("clinic-1-km", POINT["lat"] - 1.0 / KM_PER_DEGREE, 73.8636, kothrud)
    far_id = await _hospital("clinic-across-town", 18.5089, 73.9260, kothrud)  # ~6.6 km east
    # Cheapest practice first: the stored point (the old measure) is the far clinic.
    await _practitioner(3001, "dr-two-practices", pune, [(far_id, 30000), (near_id, 90000)])
    await _practitioner(3002, "dr-one-km", pune, [(one_km_id, 50000)])
    await _practitioner(3003, "dr-far-only", pune, [(far_id, 40000)])
    await refresh_search_columns(practitioner_ids=[3001, 3002, 3003])
    return {"near": near_id, "one_km": one_km_id, "far": far_id}


async def _search(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    body = await gql.execute(SEARCH, variables)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]["searchPractitioners"]
    return result


async def test_a_doctor_is_near_through_any_practice(
    gql: GraphQLClient, practices: dict[str, int]
) -> None:
    result = await _search(gql, near={**POINT, "radiusKm": 1.5})
    organic = [e for e in result["edges"] if not e["sponsored"]]
    assert [e["node"]["slug"] for e in organic] == ["dr-two-practices", "dr-one-km"]
    assert result["totalCount"] == 2
    assert [e["distanceKm"] for e in organic] == [0.45, 1.0]
    assert [e["nearestPractice"]["hospital"]["slug"] for e in organic] == [
        "clinic-045-km",
        "clinic-1-km",
    ]
    # The card's practice is the near one, not the cheapest (stored) one.
    assert organic[0]["nearestPractice"]["fees"]["consultation"] == "900.00"


async def test_distance_paging_is_exact_and_radius_bounds_the_practices(
    gql: GraphQLClient, practices: dict[str, int]
) -> None:
    first = await _search(gql, near={**POINT, "radiusKm": 1.5}, first=1)
    assert [e["node"]["slug"] for e in first["edges"] if not e["sponsored"]] == ["dr-two-practices"]
    assert first["pageInfo"]["hasNextPage"]
    rest = await _search(
        gql, near={**POINT, "radiusKm": 1.5}, first=1, after=first["pageInfo"]["endCursor"]
    )
    assert [e["node"]["slug"] for e in rest["edges"]] == ["dr-one-km"]
    assert not rest["pageInfo"]["hasNextPage"]
    # 0.5 km: only the 0.45 km clinic; 10 km: every doctor, each measured to the nearest.
    small = await _search(gql, near={**POINT, "radiusKm": 0.5})
    assert [e["node"]["slug"] for e in small["edges"]] == ["dr-two-practices"]
    wide = await _search(gql, near={**POINT, "radiusKm": 10}, first=3)
    assert [e["node"]["slug"] for e in wide["edges"]] == [
        "dr-two-practices",
        "dr-one-km",
        "dr-asha-kulkarni",  # Kothrud hospital, ~6.0 km; the far-only doctor is ~6.6 km
    ]


async def test_relevance_counts_the_nearest_practice(
    gql: GraphQLClient, practices: dict[str, int]
) -> None:
    result = await _search(gql, near={**POINT, "radiusKm": 1.5}, sort="RELEVANCE")
    assert {e["node"]["slug"] for e in result["edges"]} == {"dr-two-practices", "dr-one-km"}
    assert {e["nearestPractice"]["hospital"]["slug"] for e in result["edges"]} == {
        "clinic-045-km",
        "clinic-1-km",
    }


async def test_without_near_there_is_no_distance_or_nearest_practice(
    gql: GraphQLClient, practices: dict[str, int]
) -> None:
    result = await _search(gql, sort="RELEVANCE", first=3)
    assert all(e["distanceKm"] is None and e["nearestPractice"] is None for e in result["edges"])
