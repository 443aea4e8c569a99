"""searchHospitals and searchDiagnosticCenters: filters, sorts paged to the end, facets, errors.

The data (tests/search/price_data.py on top of the hand-made dataset) is deterministic, so the
expected slugs are the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.factories import Dataset
from tests.search.price_data import PriceData, build_crowd, build_price_data

OPERATIONS = Path(__file__).resolve().parents[2] / "schema" / "operations"
LISTING = (OPERATIONS / "hospitalListing.graphql").read_text(encoding="utf-8")
AAROGYA, AUNDH = "aarogya-hospital-kothrud", "aundh-general-hospital"
NURSING, SKIN = "baner-nursing-home", "baner-skin-clinic"
KOTHRUD_DX, PATH_LABS = "pune-diagnostics-kothrud", "baner-path-labs"
SCAN, POINT = "aundh-scan-centre", "kothrud-lab-point"
# The hand-made dataset's accreditations lapse on these dates; lapsed ones never count.
AAROGYA_NABH = date.today() <= date(2027, 3, 31)
KOTHRUD_NABL = date.today() <= date(2027, 6, 30)

HOSPITALS = """
query H($city: String!, $query: String, $filter: HospitalSearchFilter, $near: NearInput,
        $sort: HospitalSort = RELEVANCE, $first: Int = 20, $after: String) {
  searchHospitals(city: $city, query: $query, filter: $filter, near: $near, sort: $sort,
                  first: $first, after: $after) {
    totalCount
    edges { cursor sponsored distanceKm node { slug } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
CENTERS = HOSPITALS.replace("searchHospitals", "searchDiagnosticCenters").replace(
    "HospitalS", "DiagnosticCenterS"
)
CENTER_FACETS = """
query C($filter: DiagnosticCenterSearchFilter) {
  searchDiagnosticCenters(city: "pune", filter: $filter, first: 1) {
    totalCount
    facets {
      localities { value label count }
      accreditations { value count }
      homeCollection { value label count }
    }
  }
}
"""


@pytest.fixture
async def data(dataset: Dataset) -> PriceData:
    return await build_price_data(dataset)


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def _search(gql: GraphQLClient, operation: str, /, **variables: Any) -> dict[str, Any]:
    body = await gql.execute(operation, {"city": "pune", **variables})
    assert "errors" not in body, body["errors"]
    (result,) = body["data"].values()
    assert isinstance(result, dict)
    return result


def _slugs(result: dict[str, Any]) -> list[str]:
    return [e["node"]["slug"] for e in result["edges"]]


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, {AAROGYA, AUNDH, NURSING, SKIN}),
        ({"filter": {"kinds": ["HOSPITAL"]}}, {AAROGYA, AUNDH}),
        ({"filter": {"kinds": ["CLINIC", "NURSING_HOME"]}}, {NURSING, SKIN}),
        ({"filter": {"specialties": ["cardiologist"]}}, {AAROGYA, AUNDH}),
        ({"filter": {"specialties": ["dermatologist"]}}, {AAROGYA, NURSING, SKIN}),
        ({"filter": {"localities": ["baner"]}}, {NURSING, SKIN}),
        ({"filter": {"accreditations": ["jci"]}}, {AUNDH}),
        # Aundh General's NABH lapsed in 2020: it does not count.
        (
            {"filter": {"accreditations": ["NABH"]}},
            {NURSING} | ({AAROGYA} if AAROGYA_NABH else set()),
        ),
        ({"filter": {"open24x7": True}}, {AAROGYA, AUNDH}),
        ({"filter": {"emergency": False}}, {NURSING, SKIN}),
        ({"filter": {"minRating": 4.5}}, {AUNDH}),
        ({"filter": {"minRating": 4}}, {AAROGYA, AUNDH}),
        ({"query": "skin"}, {AAROGYA, NURSING, SKIN}),
        ({"query": "cardiolgist"}, {AAROGYA, AUNDH}),
        ({"query": "baner"}, {NURSING, SKIN}),
        ({"near": {"lat": 18.558, "lng": 73.8075, "radiusKm": 2}}, {AUNDH}),
        ({"near": {"lat": 18.558, "lng": 73.8075, "radiusKm": 3}}, {AUNDH, NURSING, SKIN}),
        ({"city": "mumbai"}, {"bandra-care-clinic", "bandra-heart-hospital"}),
    ],
)
async def test_hospital_filters(
    gql: GraphQLClient, data: PriceData, variables: dict[str, Any], expected: set[str]
) -> None:
    result = await _search(gql, HOSPITALS, **variables)
    assert set(_slugs(result)) == expected
    assert result["totalCount"] == len(expected)
    assert not any(e["sponsored"] for e in result["edges"])


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, {KOTHRUD_DX, PATH_LABS, SCAN, POINT}),
        ({"filter": {"localities": ["kothrud"]}}, {KOTHRUD_DX, POINT}),
        ({"filter": {"accreditations": ["CAP"]}}, {PATH_LABS, POINT}),
        (
            {"filter": {"accreditations": ["NABL"]}},
            {PATH_LABS} | ({KOTHRUD_DX} if KOTHRUD_NABL else set()),
        ),
        ({"filter": {"homeCollection": True}}, {KOTHRUD_DX, SCAN, POINT}),
        ({"filter": {"homeCollection": False}}, {PATH_LABS}),
        ({"filter": {"maxReportTurnaroundHours": 12}}, {KOTHRUD_DX, SCAN}),
        ({"filter": {"labTests": ["thyroid-profile"]}}, {PATH_LABS, POINT}),
        # Every test must be priced; a health package that includes one counts.
        ({"filter": {"labTests": ["cbc", "lipid-profile"]}}, {KOTHRUD_DX, PATH_LABS, SCAN}),
        ({"filter": {"labTests": ["cbc", "thyroid-profile"]}}, {PATH_LABS, POINT}),
        ({"filter": {"minRating": 4.5}}, {KOTHRUD_DX}),
        ({"filter": {"open24x7": True}}, {PATH_LABS}),
        ({"query": "thyroid"}, {PATH_LABS, POINT}),
        ({"query": "kothrud"}, {KOTHRUD_DX, POINT}),
    ],
)
async def test_center_filters(
    gql: GraphQLClient, data: PriceData, variables: dict[str, Any], expected: set[str]
) -> None:
    result = await _search(gql, CENTERS, **variables)
    assert set(_slugs(result)) == expected
    assert result["totalCount"] == len(expected)


@pytest.mark.parametrize(
    ("query", "sort", "expected"),
    [
        (HOSPITALS, "RATING", [AUNDH, AAROGYA, NURSING, SKIN]),
        (HOSPITALS, "STORIES", [AUNDH, AAROGYA, NURSING, SKIN]),
        (HOSPITALS, "DISTANCE", [AUNDH, NURSING, SKIN, AAROGYA]),
        (CENTERS, "RATING", [KOTHRUD_DX, SCAN, PATH_LABS, POINT]),  # 4.0: more stories first
        (CENTERS, "STORIES", [KOTHRUD_DX, SCAN, PATH_LABS, POINT]),
        (CENTERS, "REPORT_TIME", [SCAN, KOTHRUD_DX, PATH_LABS, POINT]),
        (CENTERS, "DISTANCE", [SCAN, PATH_LABS, POINT, KOTHRUD_DX]),
    ],
)
async def test_sorts_order_as_promised(
    gql: GraphQLClient, data: PriceData, query: str, sort: str, expected: list[str]
) -> None:
    near = {"lat": 18.558, "lng": 73.8075, "radiusKm": 20}
    result = await _search(gql, query, sort=sort, near=near)
    assert _slugs(result) == expected
    distances = [e["distanceKm"] for e in result["edges"]]
    assert all(d is not None for d in distances)
    if sort == "DISTANCE":
        assert distances == sorted(distances)


async def test_relevance_puts_the_name_first(gql: GraphQLClient, data: PriceData) -> None:
    result = await _search(gql, HOSPITALS, query="aundh")
    assert _slugs(result) == [AUNDH]
    # A specialty the query means ranks its hospitals above the rest.
    result = await _search(gql, HOSPITALS, query="heart specialist")
    assert set(_slugs(result)) == {AAROGYA, AUNDH}


@pytest.mark.parametrize(
    ("query", "sort"),
    [(HOSPITALS, s) for s in ("RELEVANCE", "RATING", "STORIES", "DISTANCE")]
    + [(CENTERS, s) for s in ("RELEVANCE", "RATING", "STORIES", "DISTANCE", "REPORT_TIME")],
)
async def test_paging_every_sort_never_repeats_or_skips(
    gql: GraphQLClient, data: PriceData, query: str, sort: str
) -> None:
    near = {"lat": 18.52, "lng": 73.85, "radiusKm": 50}
    everything = _slugs(await _search(gql, query, sort=sort, near=near, first=100))
    seen: list[str] = []
    after = None
    while True:
        result = await _search(gql, query, sort=sort, near=near, first=1, after=after)
        seen += _slugs(result)
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert seen == everything
    assert len(seen) == len(set(seen)) == result["totalCount"] == 4


async def test_hospital_facets_ignore_their_own_filter(gql: GraphQLClient, data: PriceData) -> None:
    body = await gql.execute(LISTING, {"city": "pune"})
    facets = body["data"]["searchHospitals"]["facets"]
    counts = {name: {f["value"]: f["count"] for f in values} for name, values in facets.items()}
    assert counts["kinds"] == {"HOSPITAL": 2, "NURSING_HOME": 1, "CLINIC": 1}
    assert counts["specialties"] == {"dermatologist": 3, "cardiologist": 2}
    assert counts["localities"] == {"baner": 2, "aundh": 1, "kothrud": 1}
    assert counts["accreditations"] == {"NABH": 1 + AAROGYA_NABH, "JCI": 1}
    assert [f["label"] for f in facets["kinds"]] == ["Hospital", "Clinic", "Nursing home"]

    body = await gql.execute(
        LISTING, {"city": "pune", "filter": {"kinds": ["HOSPITAL"], "localities": ["baner"]}}
    )
    result = body["data"]["searchHospitals"]
    assert result["totalCount"] == 0
    kinds = {f["value"]: f["count"] for f in result["facets"]["kinds"]}
    assert kinds == {"CLINIC": 1, "NURSING_HOME": 1}  # Baner, any kind
    localities = {f["value"]: f["count"] for f in result["facets"]["localities"]}
    assert localities == {"aundh": 1, "kothrud": 1}  # hospitals, any locality
    assert result["facets"]["specialties"] == []  # both filters apply


async def test_center_facets_ignore_their_own_filter(gql: GraphQLClient, data: PriceData) -> None:
    body = await gql.execute(CENTER_FACETS, {"filter": {"homeCollection": True}})
    result = body["data"]["searchDiagnosticCenters"]
    assert result["totalCount"] == 3
    home = {f["value"]: (f["label"], f["count"]) for f in result["facets"]["homeCollection"]}
    assert home == {"true": ("Home collection", 3), "false": ("No home collection", 1)}
    localities = {f["value"]: f["count"] for f in result["facets"]["localities"]}
    assert localities == {"kothrud": 2, "aundh": 1}
    accreditations = {f["value"]: f["count"] for f in result["facets"]["accreditations"]}
    assert accreditations == {"CAP": 1} | ({"NABL": 1} if KOTHRUD_NABL else {})


async def test_hospital_listing_shows_the_card(gql: GraphQLClient, data: PriceData) -> None:
    body = await gql.execute(LISTING, {"city": "pune", "sort": "RATING"})
    assert "errors" not in body, body["errors"]
    edges = body["data"]["searchHospitals"]["edges"]
    aundh = edges[0]["node"]
    assert aundh["slug"] == AUNDH and aundh["kind"] == "HOSPITAL"
    assert aundh["locality"] == {"slug": "aundh", "name": "Aundh"}
    assert aundh["reviewSummary"]["count"] == 6 and aundh["reviewSummary"]["average"] == "4.67"
    assert [s["slug"] for s in aundh["specialties"]] == ["cardiologist"]
    assert [p["price"]["min"] for p in aundh["pricePackages"]] == ["175000.01", "400000.00"]
    aarogya = edges[1]["node"]
    assert [p["ward"] for p in aarogya["pricePackages"]] == ["GENERAL", "SEMI_PRIVATE", "PRIVATE"]


async def test_statement_count_is_constant(
    app: Any, gql: GraphQLClient, dataset: Dataset, data: PriceData
) -> None:
    await build_crowd(dataset)  # 114 hospitals and 114 centers pricing a CBC in Pune
    await gql.execute(LISTING, {"city": "pune", "query": "hospital", "first": 1})  # vocabulary
    # The worker's catalogue rows (its city and every locality the pages show), read once.
    app.state.compiled.reference.recheck_s = 3600.0
    await gql.execute(LISTING, {"city": "pune", "first": 100})
    for query, variables, expected in (
        # page, totalCount with the facets (one statement), packages; on the compiled path the
        # city and localities come from the worker's reference rows, the review summaries from
        # the page's own rating columns and the specialties from its id lists (issue 10)
        (LISTING, {"city": "pune"}, 3),
        # lab test slugs, page, totalCount (the city from the worker's catalogue rows)
        (CENTERS, {"city": "pune", "filter": {"labTests": ["cbc"]}}, 3),
    ):
        counts = []
        for first in (5, 20, 100):
            body = await gql.execute(query, {**variables, "first": first})
            assert "errors" not in body, body["errors"]
            (result,) = body["data"].values()
            assert len(result["edges"]) == first
            counts.append(body["extensions"]["sqlStatements"])
        assert counts == [expected] * 3, query


@pytest.mark.parametrize(
    ("query", "variables", "word"),
    [
        (HOSPITALS, {"city": "atlantis"}, "city"),
        (HOSPITALS, {"filter": {"specialties": ["astrology"]}}, "astrology"),
        (HOSPITALS, {"filter": {"localities": ["bandra-west"]}}, "localities"),
        (HOSPITALS, {"filter": {"accreditations": ["ISO"]}}, "accreditations"),
        (HOSPITALS, {"filter": {"minRating": 5.5}}, "minRating"),
        (HOSPITALS, {"near": {"lat": 18.5, "lng": 73.8, "radiusKm": 0}}, "radiusKm"),
        (HOSPITALS, {"near": {"lat": 18.5, "lng": 73.8, "radiusKm": 100.5}}, "radiusKm"),
        (HOSPITALS, {"near": {"lat": -91, "lng": 73.8}}, "lat"),
        (HOSPITALS, {"near": {"lat": 18.5, "lng": 181}}, "lng"),
        (HOSPITALS, {"sort": "DISTANCE"}, "near"),
        (HOSPITALS, {"first": 0}, "first"),
        (HOSPITALS, {"first": 101}, "first"),
        (CENTERS, {"filter": {"labTests": ["cbc", "unicorn-test"]}}, "unicorn-test"),
        (CENTERS, {"filter": {"accreditations": ["NABH"]}}, "accreditations"),
        (CENTERS, {"filter": {"maxReportTurnaroundHours": 0}}, "maxReportTurnaroundHours"),
        (CENTERS, {"city": "atlantis"}, "city"),
    ],
)
async def test_bad_input_says_what_to_fix(
    gql: GraphQLClient, data: PriceData, query: str, variables: dict[str, Any], word: str
) -> None:
    body = await gql.execute(query, {"city": "pune", **variables})
    assert _codes(body) == ["BAD_USER_INPUT"]
    assert word in body["errors"][0]["message"]


async def test_cursor_from_another_query_or_sort_is_rejected(
    gql: GraphQLClient, data: PriceData
) -> None:
    cursor = (await _search(gql, HOSPITALS, first=1))["pageInfo"]["endCursor"]
    for query, variables in (
        (HOSPITALS, {"sort": "RATING"}),
        (HOSPITALS, {"query": "baner"}),
        (HOSPITALS, {"filter": {"kinds": ["CLINIC"]}}),
        (HOSPITALS, {"city": "mumbai"}),
        (CENTERS, {}),
    ):
        body = await gql.execute(query, {"city": "pune", **variables, "after": cursor})
        assert _codes(body) == ["BAD_USER_INPUT"], variables
        assert "after" in body["errors"][0]["message"]
    ok = await gql.execute(HOSPITALS, {"city": "pune", "after": cursor})
    assert "errors" not in ok
