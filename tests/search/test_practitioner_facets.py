"""Practitioner facets in one pass: every count equals the search narrowed to that value.

A facet counts the search without its own filter, narrowed to one value; that is what
`totalCount` answers for the same search with the facet's filter set to that value alone.
`totalCount` alone runs its own statement, the facets and `totalCount` together run one, so
comparing the two checks the one-pass statement against the plain filter, on both databases.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hmsdesk_graph.db import models
from hmsdesk_graph.db.search_index import refresh_search_columns
from tests.conftest import GraphQLClient
from tests.factories import Dataset
from tests.search.price_data import build_price_data

OPERATIONS = Path(__file__).resolve().parents[2] / "schema" / "operations"
WEB = (OPERATIONS / "webSearchPractitioners.graphql").read_text(encoding="utf-8")
COUNT = """
query C($city: String!, $query: String, $filter: PractitionerSearchFilter, $near: NearInput) {
  searchPractitioners(city: $city, query: $query, filter: $filter, near: $near, first: 1) {
    totalCount
  }
}
"""
FACETS_ONLY = """
query F($city: String!, $filter: PractitionerSearchFilter) {
  searchPractitioners(city: $city, filter: $filter, first: 1) {
    ... on PractitionerSearchConnection { facets { genders { value count } } }
  }
}
"""
SPECIALTIES = ("cardiologist", "dermatologist")
LOCALITIES = ("kothrud", "baner", "aundh")
GENDERS = ("FEMALE", "MALE", "OTHER")
WINDOWS = ("TODAY", "TOMORROW", "NEXT_7_DAYS")
# Fee buckets in paise [low, high) as the filter's inclusive rupee bounds.
FEES = {
    "0-500": {"feeMin": "0", "feeMax": "499.99"},
    "500-1000": {"feeMin": "500", "feeMax": "999.99"},
    "1000-2000": {"feeMin": "1000", "feeMax": "1999.99"},
    "2000+": {"feeMin": "2000"},
}
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


@pytest.fixture
async def varied(dataset: Dataset) -> Dataset:
    """The Pune doctors spread over three localities, four fee buckets, every weekday and
    two specialties, some practising in two localities (so localities count each once)."""
    await build_price_data(dataset)
    hospitals = {
        h.slug: h.pk
        for h in await models.Hospital.filter(
            slug__in=["aundh-general-hospital", "baner-nursing-home"]
        )
    }
    roles = []
    for i, doctor_id in enumerate(dataset.doctor_ids):
        if i % 3 == 0 or i % 5 == 0:
            roles.append(
                models.PractitionerRole(
                    practitioner_id=doctor_id,
                    hospital_id=hospitals[
                        "aundh-general-hospital" if i % 3 == 0 else "baner-nursing-home"
                    ],
                    consultation_fee_paise=(20000, 120000, 250000, 45000)[i % 4],
                    weekly_hours={WEEKDAYS[i % 7]: [["09:00", "12:00"]]},
                )
            )
    await models.PractitionerRole.bulk_create(roles)
    # Dearer at the Kothrud hospital, so that some cheapest fees fall in the upper buckets.
    await models.PractitionerRole.filter(
        practitioner_id__in=[d for i, d in enumerate(dataset.doctor_ids) if i % 4 in (1, 2)],
        hospital_id=dataset.hospital_id,
    ).update(consultation_fee_paise=300000)
    derm = await models.Specialty.get(slug="dermatologist")
    await models.PractitionerSpecialty.bulk_create(
        [
            models.PractitionerSpecialty(practitioner_id=d, specialty_id=derm.pk, is_primary=False)
            for i, d in enumerate(dataset.doctor_ids)
            if i % 2 == 0 and i % 6 == 0
        ]
    )
    await refresh_search_columns(practitioner_ids=dataset.doctor_ids)
    return dataset


async def _total(gql: GraphQLClient, variables: dict[str, Any], **narrow: Any) -> int:
    filter_ = {**variables.get("filter", {}), **narrow}
    body = await gql.execute(COUNT, {**variables, "filter": filter_})
    assert "errors" not in body, body["errors"]
    total: int = body["data"]["searchPractitioners"]["totalCount"]
    return total


def _without(variables: dict[str, Any], *keys: str) -> dict[str, Any]:
    kept = {k: v for k, v in variables.get("filter", {}).items() if k not in keys}
    return {**variables, "filter": kept}


def _most_first(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(((v, n) for v, n in counts.items() if n), key=lambda r: (-r[1], r[0]))


SEARCHES: list[dict[str, Any]] = [
    {},
    {"filter": {"specialties": ["cardiologist"], "gender": "MALE"}},
    {"filter": {"localities": ["aundh"], "feeMax": "1500"}},
    {
        "filter": {
            "specialties": ["dermatologist"],
            "localities": ["baner", "kothrud"],
            "feeMin": "300",
            "gender": "FEMALE",
            "availability": "NEXT_7_DAYS",
        }
    },
    {"filter": {"localities": ["aundh"], "gender": "MALE", "availability": "TODAY"}},
    # One practice both at the hospital and in the locality: none here, though doctors of the
    # Aundh hospital also practise in Kothrud.
    {"filter": {"hospital": "aundh-general-hospital", "localities": ["kothrud"]}},
    {"filter": {"hospital": "aundh-general-hospital", "specialties": ["dermatologist"]}},
    {"query": "cardiologist", "filter": {"minExperienceYears": 5, "feeMin": "400"}},
    {"near": {"lat": 18.558, "lng": 73.8075, "radiusKm": 3}, "filter": {"gender": "FEMALE"}},
]


@pytest.mark.parametrize("search", SEARCHES, ids=[str(i) for i in range(len(SEARCHES))])
async def test_each_facet_is_the_search_narrowed_to_its_value(
    gql: GraphQLClient, varied: Dataset, search: dict[str, Any]
) -> None:
    variables = {"city": "pune", **search}
    body = await gql.execute(WEB, variables)
    assert "errors" not in body, body["errors"]
    result = body["data"]["searchPractitioners"]
    facets = {
        name: [(f["value"], f["count"]) for f in values]
        for name, values in result["facets"].items()
    }
    assert result["totalCount"] == await _total(gql, variables)

    base = _without(variables, "specialties")
    expected = {s: await _total(gql, base, specialties=[s]) for s in SPECIALTIES}
    assert facets["specialties"] == _most_first(expected)

    base = _without(variables, "localities")
    if "hospital" not in base["filter"]:
        expected = {lo: await _total(gql, base, localities=[lo]) for lo in LOCALITIES}
        assert facets["localities"] == _most_first(expected)
    else:
        # With `hospital`, the locality facet counts every practice of the hospital's doctors
        # (as it always has), while the filter wants one practice both there and in the locality.
        doctors = await _total(gql, base)
        assert all(0 < n <= doctors for _, n in facets["localities"])

    base = _without(variables, "feeMin", "feeMax")
    assert facets["fees"] == [(b, await _total(gql, base, **f)) for b, f in FEES.items()]

    base = _without(variables, "gender")
    expected = {g: await _total(gql, base, gender=g) for g in GENDERS}
    assert facets["genders"] == sorted((g, n) for g, n in expected.items() if n)

    base = _without(variables, "availability")
    assert facets["availability"] == [(w, await _total(gql, base, availability=w)) for w in WINDOWS]


async def test_the_dataset_exercises_every_facet(gql: GraphQLClient, varied: Dataset) -> None:
    # Guards the test above against a dataset where every count is trivially equal.
    body = await gql.execute(WEB, {"city": "pune"})
    facets = body["data"]["searchPractitioners"]["facets"]
    assert len(facets["localities"]) == 3
    assert all(f["count"] for f in facets["fees"])
    # Everyone consults on Mondays and Saturdays; of today and tomorrow at most one is either.
    total = body["data"]["searchPractitioners"]["totalCount"]
    assert any(0 < f["count"] < total for f in facets["availability"][:2])
    assert len(facets["specialties"]) == len(facets["genders"]) == 2


async def test_facets_with_and_without_total_count_agree(
    gql: GraphQLClient, varied: Dataset
) -> None:
    for filter_ in ({}, {"gender": "MALE", "localities": ["baner"]}):
        alone = await gql.execute(FACETS_ONLY, {"city": "pune", "filter": filter_})
        assert "errors" not in alone, alone["errors"]
        both = await gql.execute(WEB, {"city": "pune", "filter": filter_})
        genders = both["data"]["searchPractitioners"]["facets"]["genders"]
        assert alone["data"]["searchPractitioners"]["facets"]["genders"] == [
            {"value": g["value"], "count": g["count"]} for g in genders
        ]


PAGE = """
query P($city: String!, $filter: PractitionerSearchFilter) {
  searchPractitioners(city: $city, filter: $filter, first: 5) { edges { node { slug } } %s }
}
"""


async def test_total_count_and_facets_take_one_statement(
    gql: GraphQLClient, varied: Dataset
) -> None:
    variables = {"city": "pune", "filter": {"gender": "MALE", "specialties": ["cardiologist"]}}
    counts = {}
    for name, extra in (
        ("page", ""),
        ("total", "totalCount"),
        ("facets", "facets { genders { count } }"),
        ("both", "totalCount ... on PractitionerSearchConnection { facets { genders { count } } }"),
    ):
        await gql.execute(PAGE % extra, variables)  # the vocabulary cache
        body = await gql.execute(PAGE % extra, variables)
        assert "errors" not in body, body["errors"]
        counts[name] = body["extensions"]["sqlStatements"]
    assert counts["total"] == counts["facets"] == counts["both"] == counts["page"] + 1
