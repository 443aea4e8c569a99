"""Hospital and center facets in one pass: every count equals the search narrowed to that value.

`totalCount` alone runs its own statement with the plain filter; the facets (and the count,
when both are asked) run one statement over the search without the facets' own filters.
Comparing them checks the one-pass statement.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.factories import Dataset
from tests.search.price_data import PriceData, build_price_data

HOSPITALS = """
query H($filter: HospitalSearchFilter, $query: String) {
  searchHospitals(city: "pune", query: $query, filter: $filter, first: 1) {
    totalCount
    facets {
      kinds { value count }
      specialties { value count }
      localities { value count }
      accreditations { value count }
    }
  }
}
"""
CENTERS = """
query C($filter: DiagnosticCenterSearchFilter, $query: String) {
  searchDiagnosticCenters(city: "pune", query: $query, filter: $filter, first: 1) {
    totalCount
    facets {
      localities { value count }
      accreditations { value count }
      homeCollection { value count }
    }
  }
}
"""
COUNT = """
query N($filter: %s, $query: String) {
  %s(city: "pune", query: $query, filter: $filter, first: 1) { totalCount }
}
"""
LOCALITIES = ("kothrud", "baner", "aundh")
HOSPITAL_ACCREDITATIONS = ["NABH", "JCI", "NABL"]
CENTER_ACCREDITATIONS = ["NABL", "CAP"]
# facet -> (filter field, values to narrow to, as filter values)
HOSPITAL_FACETS: dict[str, tuple[str, list[Any]]] = {
    "kinds": ("kinds", ["HOSPITAL", "CLINIC", "NURSING_HOME"]),
    "specialties": ("specialties", ["cardiologist", "dermatologist"]),
    "localities": ("localities", list(LOCALITIES)),
    "accreditations": ("accreditations", HOSPITAL_ACCREDITATIONS),
}
CENTER_FACETS: dict[str, tuple[str, list[Any]]] = {
    "localities": ("localities", list(LOCALITIES)),
    "accreditations": ("accreditations", CENTER_ACCREDITATIONS),
    "homeCollection": ("homeCollection", [True, False]),
}
CASES: list[tuple[str, dict[str, Any]]] = [
    ("hospitals", {}),
    ("hospitals", {"filter": {"kinds": ["HOSPITAL"], "localities": ["baner", "aundh"]}}),
    ("hospitals", {"filter": {"specialties": ["dermatologist"], "accreditations": ["NABH"]}}),
    (
        "hospitals",
        {
            "filter": {
                "kinds": ["CLINIC", "NURSING_HOME"],
                "specialties": ["dermatologist"],
                "localities": ["baner"],
                "accreditations": ["JCI"],
            }
        },
    ),
    ("hospitals", {"query": "hospital", "filter": {"emergency": True}}),
    ("centers", {}),
    ("centers", {"filter": {"homeCollection": True, "localities": ["kothrud"]}}),
    ("centers", {"filter": {"accreditations": ["CAP"], "homeCollection": False}}),
]


@pytest.fixture
async def data(dataset: Dataset) -> PriceData:
    return await build_price_data(dataset)


@pytest.mark.parametrize(("kind", "search"), CASES, ids=[str(i) for i in range(len(CASES))])
async def test_each_facet_is_the_search_narrowed_to_its_value(
    gql: GraphQLClient, data: PriceData, kind: str, search: dict[str, Any]
) -> None:
    query, facets_of = (
        (HOSPITALS, HOSPITAL_FACETS) if kind == "hospitals" else (CENTERS, CENTER_FACETS)
    )
    field, input_type = (
        ("searchHospitals", "HospitalSearchFilter")
        if kind == "hospitals"
        else ("searchDiagnosticCenters", "DiagnosticCenterSearchFilter")
    )

    async def total(filter_: dict[str, Any]) -> int:
        body = await gql.execute(COUNT % (input_type, field), {**search, "filter": filter_})
        assert "errors" not in body, body["errors"]
        n: int = body["data"][field]["totalCount"]
        return n

    body = await gql.execute(query, search)
    assert "errors" not in body, body["errors"]
    result = body["data"][field]
    given = search.get("filter", {})
    assert result["totalCount"] == await total(given)
    for facet, (name, values) in facets_of.items():
        others = {k: v for k, v in given.items() if k != name}
        narrowed = {
            str(v).lower() if isinstance(v, bool) else v: await total(
                {**others, name: v if isinstance(v, bool) else [v]}
            )
            for v in values
        }
        if facet == "homeCollection":  # both values, zero counts too
            assert {f["value"]: f["count"] for f in result["facets"][facet]} == narrowed
            continue
        expected = sorted(((v, n) for v, n in narrowed.items() if n), key=lambda r: (-r[1], r[0]))
        got = [(f["value"], f["count"]) for f in result["facets"][facet]]
        assert got == expected, facet
