"""searchPackages and priceComparison: city through the owner, filters, sorts, exact statistics.

Pune's packages: 480 practitioner fees (120 doctors x 4), 5 knee-replacement packages, 7 lab
tests and 2 health packages (see tests/search/price_data.py); Mumbai's never count for Pune.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import PackageKind
from tests.conftest import GraphQLClient
from tests.factories import Dataset
from tests.search.price_data import PriceData, build_crowd, build_price_data

OPERATIONS = Path(__file__).resolve().parents[2] / "schema" / "operations"
COMPARISON = (OPERATIONS / "labTestPriceComparison.graphql").read_text(encoding="utf-8")
PUNE_PACKAGES = 494

PACKAGES = """
query P($city: String!, $query: String, $filter: PackageSearchFilter,
        $sort: PackageSort = RELEVANCE, $first: Int = 20, $after: String) {
  searchPackages(city: $city, query: $query, filter: $filter, sort: $sort, first: $first,
                 after: $after) {
    totalCount
    edges {
      cursor sponsored distanceKm
      node {
        id name kind ward listPrice offerPrice
        price { min max currency approximate }
        source { partner fetchedAt validUntil stale }
        provider { __typename ... on DiagnosticCenter { slug } ... on Hospital { slug } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
FACETS = """
query F($filter: PackageSearchFilter) {
  searchPackages(city: "pune", filter: $filter, first: 1) {
    totalCount
    facets {
      kinds { value label count }
      wards { value count }
      providerKinds { value count }
    }
  }
}
"""
PROCEDURE = """
query K($city: String!, $procedure: String, $labTest: String, $ward: Ward, $first: Int) {
  priceComparison(city: $city, procedure: $procedure, labTest: $labTest, ward: $ward) {
    count min median max currency approximate
    offers(first: $first) { totalCount edges { node { price { min } ward } } }
  }
}
"""


@pytest.fixture
async def data(dataset: Dataset) -> PriceData:
    return await build_price_data(dataset)


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def _search(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    body = await gql.execute(PACKAGES, {"city": "pune", **variables})
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]["searchPackages"]
    return result


def _prices(result: dict[str, Any]) -> list[Decimal]:
    return [Decimal(e["node"]["price"]["min"]) for e in result["edges"]]


def _names(result: dict[str, Any]) -> list[str]:
    return [e["node"]["name"] for e in result["edges"]]


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, PUNE_PACKAGES),
        ({"city": "mumbai"}, 2),
        ({"filter": {"kind": "LAB_TEST"}}, 7),
        ({"filter": {"kind": "LAB_TEST", "labTest": "cbc"}}, 4),
        ({"filter": {"labTest": "cbc"}}, 6),  # with the two health packages that include it
        ({"filter": {"providerKind": "DIAGNOSTIC_CENTER"}}, 9),
        ({"filter": {"providerKind": "HOSPITAL"}}, 5),
        ({"filter": {"providerKind": "PRACTITIONER"}}, 480),
        ({"filter": {"ward": "GENERAL"}}, 2),
        ({"filter": {"kind": "SURGERY_PACKAGE", "ward": "ICU"}}, 1),
        (
            {"filter": {"providerKind": "DIAGNOSTIC_CENTER", "priceMin": "400", "priceMax": 600}},
            4,
        ),
        ({"filter": {"kind": "LAB_TEST", "priceMax": "349.99"}}, 1),
        ({"filter": {"kind": "LAB_TEST", "priceMin": "350.00", "priceMax": "350"}}, 1),
        ({"query": "knee replacement"}, 5),
        ({"query": "thyroid"}, 2),  # the test by name, and the health package that includes it
        ({"query": "thyriod"}, 2),  # lab-test words are in the shared typo vocabulary
        ({"query": "unicorn"}, 0),
    ],
)
async def test_filters(
    gql: GraphQLClient, data: PriceData, variables: dict[str, Any], expected: int
) -> None:
    result = await _search(gql, first=100, **variables)
    assert result["totalCount"] == expected
    assert len(result["edges"]) == min(expected, 100)
    assert all(e["distanceKm"] is None and e["sponsored"] is False for e in result["edges"])


async def test_sorts_order_as_promised(gql: GraphQLClient, data: PriceData) -> None:
    lab = {"kind": "LAB_TEST"}
    asc = _prices(await _search(gql, filter=lab, sort="PRICE_ASC"))
    assert asc == [Decimal(p) for p in ("300", "350", "400", "450", "550", "600", "700")]
    desc = _prices(await _search(gql, filter=lab, sort="PRICE_DESC"))
    assert desc == asc[::-1]
    # (list - offer) / list: 500 -> 350 is 30 %, 600 -> 450 25 %, 2499 -> 1999 20.008 %.
    discount = await _search(gql, filter={"providerKind": "DIAGNOSTIC_CENTER"}, sort="DISCOUNT")
    assert _prices(discount)[:3] == [Decimal("350"), Decimal("450"), Decimal("1999")]
    assert _prices(discount)[3:] == sorted(_prices(discount)[3:])  # no discount: cheapest first
    # Relevance: the whole query in the name first, then packages including the named test.
    assert _names(await _search(gql, query="thyroid")) == ["Thyroid Profile", "Full Body Checkup"]


@pytest.mark.parametrize("sort", ["RELEVANCE", "PRICE_ASC", "PRICE_DESC", "DISCOUNT"])
async def test_paging_every_sort_never_repeats_or_skips(
    gql: GraphQLClient, data: PriceData, sort: str
) -> None:
    seen: list[str] = []
    after = None
    while True:
        result = await _search(gql, sort=sort, first=97, after=after)
        seen += [e["node"]["id"] for e in result["edges"]]
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == result["totalCount"] == PUNE_PACKAGES


async def test_prices_carry_their_source_and_freshness(gql: GraphQLClient, data: PriceData) -> None:
    result = await _search(gql, filter={"kind": "LAB_TEST", "labTest": "cbc"}, sort="PRICE_ASC")
    by_provider = {e["node"]["provider"]["slug"]: e["node"] for e in result["edges"]}
    kothrud = by_provider["pune-diagnostics-kothrud"]
    assert kothrud["source"]["partner"] == "Aarogya Group"
    assert kothrud["source"]["stale"] is True  # fetched 90 days before the dataset's date
    assert kothrud["price"]["approximate"] is True
    assert (kothrud["listPrice"], kothrud["offerPrice"]) == ("500.00", "350.00")
    scan = by_provider["aundh-scan-centre"]
    assert scan["price"]["approximate"] is False
    assert scan["source"] == {
        "partner": None,
        "fetchedAt": None,
        "validUntil": None,
        "stale": False,
    }


async def test_facets_ignore_their_own_filter(gql: GraphQLClient, data: PriceData) -> None:
    body = await gql.execute(FACETS, {})
    facets = body["data"]["searchPackages"]["facets"]
    assert {f["value"]: f["count"] for f in facets["kinds"]} == {
        "CONSULTATION": 240,
        "FOLLOW_UP": 120,
        "VIDEO_CONSULTATION": 120,
        "LAB_TEST": 7,
        "SURGERY_PACKAGE": 5,
        "HEALTH_PACKAGE": 2,
    }
    assert facets["kinds"][3]["label"] == "Lab test"
    assert {f["value"]: f["count"] for f in facets["wards"]} == {
        "GENERAL": 2,
        "ICU": 1,
        "PRIVATE": 1,
        "SEMI_PRIVATE": 1,
    }
    assert {f["value"]: f["count"] for f in facets["providerKinds"]} == {
        "PRACTITIONER": 480,
        "DIAGNOSTIC_CENTER": 9,
        "HOSPITAL": 5,
    }
    body = await gql.execute(FACETS, {"filter": {"kind": "LAB_TEST", "providerKind": "HOSPITAL"}})
    result = body["data"]["searchPackages"]
    assert result["totalCount"] == 0
    assert {f["value"]: f["count"] for f in result["facets"]["kinds"]} == {"SURGERY_PACKAGE": 5}
    assert {f["value"]: f["count"] for f in result["facets"]["providerKinds"]} == {
        "DIAGNOSTIC_CENTER": 7
    }
    assert result["facets"]["wards"] == []


async def test_lab_test_comparison_is_exact(gql: GraphQLClient, data: PriceData) -> None:
    body = await gql.execute(COMPARISON, {"city": "pune", "labTest": "cbc", "first": 2})
    assert "errors" not in body, body["errors"]
    c = body["data"]["priceComparison"]
    # Over every Pune CBC offer (300, 350, 400, 450), not the page of two; Mumbai's 250 and
    # the health packages that include a CBC are not offers for the test.
    assert (c["count"], c["min"], c["median"], c["max"]) == (4, "300.00", "375.00", "450.00")
    assert (c["currency"], c["approximate"]) == ("INR", True)
    offers = c["offers"]
    assert offers["totalCount"] == 4 and offers["pageInfo"]["hasNextPage"] is True
    first = offers["edges"][0]["node"]
    assert first["provider"]["slug"] == "baner-path-labs"
    assert first["provider"]["__typename"] == "DiagnosticCenter"
    assert first["price"]["min"] == "300.00"
    after = offers["pageInfo"]["endCursor"]
    body = await gql.execute(
        COMPARISON, {"city": "pune", "labTest": "cbc", "first": 2, "after": after}
    )
    rest = body["data"]["priceComparison"]["offers"]
    assert [e["node"]["price"]["min"] for e in rest["edges"]] == ["400.00", "450.00"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def _cbc_offers(gql: GraphQLClient, city: str) -> list[tuple[str, str]]:
    body = await gql.execute(COMPARISON, {"city": city, "labTest": "cbc", "first": 20})
    assert "errors" not in body, body["errors"]
    edges = body["data"]["priceComparison"]["offers"]["edges"]
    return [(e["node"]["provider"]["slug"], e["node"]["price"]["min"]) for e in edges]


async def test_a_lab_test_offer_is_compared_where_its_provider_is(
    gql: GraphQLClient, dataset: Dataset, data: PriceData
) -> None:
    """Each link keeps a copy of its owner's city (db.lab_cities), kept by triggers: an owner
    moved to another city, or a package handed to another owner, is compared where its
    provider now is, on the statistics and the offers alike."""
    pune, mumbai = dataset.city_ids["pune"], dataset.city_ids["mumbai"]
    baner = ("baner-path-labs", "300.00")
    assert baner in await _cbc_offers(gql, "pune")
    assert baner not in await _cbc_offers(gql, "mumbai")
    center = await models.DiagnosticCenter.get(slug="baner-path-labs")
    center.city_id = mumbai
    await center.save()  # every column written, the city among them
    assert baner not in await _cbc_offers(gql, "pune")
    assert await _cbc_offers(gql, "mumbai") == [("bandra-diagnostics", "250.00"), baner]
    body = await gql.execute(COMPARISON, {"city": "mumbai", "labTest": "cbc"})
    assert body["data"]["priceComparison"]["count"] == 2
    await models.DiagnosticCenter.filter(id=center.pk).update(city_id=pune)
    assert baner in await _cbc_offers(gql, "pune")
    # The Mumbai center's CBC handed to a Pune center: compared in Pune from then on.
    bandra = await models.DiagnosticCenter.get(slug="bandra-diagnostics")
    point = await models.DiagnosticCenter.get(slug="kothrud-lab-point")
    moved = await models.PricePackage.filter(
        diagnostic_center_id=bandra.pk, kind=PackageKind.LAB_TEST
    ).update(diagnostic_center_id=point.pk)
    assert moved >= 1
    assert ("kothrud-lab-point", "250.00") in await _cbc_offers(gql, "pune")
    assert await _cbc_offers(gql, "mumbai") == []


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        # Two middle prices 150000.00 and 175000.01: the median ends in half a paisa.
        ({"ward": "GENERAL"}, (2, "150000.00", "162500.005", "175000.01")),
        ({}, (5, "150000.00", "300000.00", "450000.00")),
        ({"ward": "DELUXE"}, (0, None, None, None)),
        ({"city": "mumbai"}, (1, "100000.00", "100000.00", "100000.00")),
    ],
)
async def test_procedure_comparison_is_exact(
    gql: GraphQLClient, data: PriceData, variables: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    body = await gql.execute(
        PROCEDURE, {"city": "pune", "procedure": "knee-replacement", "first": 10, **variables}
    )
    assert "errors" not in body, body["errors"]
    c = body["data"]["priceComparison"]
    assert (c["count"], c["min"], c["median"], c["max"]) == expected
    prices = [Decimal(e["node"]["price"]["min"]) for e in c["offers"]["edges"]]
    assert prices == sorted(prices) and len(prices) == expected[0]


async def test_statement_counts_are_constant(
    app: Any, gql: GraphQLClient, dataset: Dataset, data: PriceData
) -> None:
    await build_crowd(dataset)  # 110 more Pune centers pricing a CBC through a partner feed
    # The vocabulary and lab-test names, and the worker's catalogue rows (the city by slug).
    app.state.compiled.reference.recheck_s = 3600.0
    await _search(gql, query="knee", first=1)
    await gql.execute(COMPARISON, {"city": "pune", "labTest": "cbc", "first": 1})
    # The city comes from the worker's catalogue rows, on the general executor too (issue 10).
    for query, variables, expected in (
        # page, totalCount, providers (centers), partners of the feeds
        (PACKAGES, {"city": "pune", "filter": {"providerKind": "DIAGNOSTIC_CENTER"}}, 4),
        # lab test, statistics (once for five fields), offers, centers, feeds: its compiled plan
        # reads the localities from the worker's catalogue rows
        (COMPARISON, {"city": "pune", "labTest": "cbc"}, 5),
    ):
        counts = []
        for first in (5, 20, 100):
            body = await gql.execute(query, {**variables, "first": first})
            assert "errors" not in body, body["errors"]
            (result,) = body["data"].values()
            edges = (result.get("offers") or result)["edges"]
            assert len(edges) == first
            counts.append(body["extensions"]["sqlStatements"])
        assert counts == [expected] * 3, (query, counts)
    body = await gql.execute(PROCEDURE, {"city": "pune", "procedure": "knee-replacement"})
    assert body["extensions"]["sqlStatements"] == 3  # procedure check, statistics, offers


@pytest.mark.parametrize(
    ("query", "variables", "word"),
    [
        (PACKAGES, {"city": "atlantis"}, "city"),
        (PACKAGES, {"filter": {"priceMin": "900", "priceMax": "100"}}, "priceMin"),
        (PACKAGES, {"filter": {"priceMin": "-1"}}, "priceMin"),
        (PACKAGES, {"filter": {"labTest": "unicorn-test"}}, "labTest"),
        (PACKAGES, {"first": 0}, "first"),
        (PROCEDURE, {"labTest": "cbc", "procedure": "knee-replacement"}, "procedure"),
        (PROCEDURE, {}, "labTest"),
        (PROCEDURE, {"labTest": "unicorn-test"}, "unicorn-test"),
        (PROCEDURE, {"procedure": "brain-transplant"}, "brain-transplant"),
        (PROCEDURE, {"labTest": "cbc", "ward": "GENERAL"}, "ward"),
        (PROCEDURE, {"labTest": "cbc", "city": "atlantis"}, "city"),
        (PROCEDURE, {"labTest": "cbc", "first": 101}, "first"),
    ],
)
async def test_bad_input_says_what_to_fix(
    gql: GraphQLClient, data: PriceData, query: str, variables: dict[str, Any], word: str
) -> None:
    body = await gql.execute(query, {"city": "pune", **variables})
    assert _codes(body) == ["BAD_USER_INPUT"], body
    assert word in body["errors"][0]["message"]


async def test_cursor_from_another_query_or_sort_is_rejected(
    gql: GraphQLClient, data: PriceData
) -> None:
    cursor = (await _search(gql, first=1, sort="PRICE_ASC"))["pageInfo"]["endCursor"]
    for variables in (
        {"sort": "PRICE_DESC"},
        {"sort": "PRICE_ASC", "filter": {"kind": "LAB_TEST"}},
        {"sort": "PRICE_ASC", "query": "knee"},
    ):
        body = await gql.execute(PACKAGES, {"city": "pune", **variables, "after": cursor})
        assert _codes(body) == ["BAD_USER_INPUT"], variables
    body = await gql.execute(COMPARISON, {"city": "pune", "labTest": "cbc", "after": cursor})
    assert _codes(body) == ["BAD_USER_INPUT"]
    ok = await gql.execute(PACKAGES, {"city": "pune", "sort": "PRICE_ASC", "after": cursor})
    assert "errors" not in ok
