"""Search input is bounded before any work: text length and words, `first`, numbers — refused
with BAD_USER_INPUT and zero SQL; the event loop stays free for everyone else."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.factories import Dataset

SEARCHES = {
    "searchPractitioners": (
        'query($q: String) { searchPractitioners(city: "pune", query: $q) { totalCount } }'
    ),
    "searchHospitals": (
        'query($q: String) { searchHospitals(city: "pune", query: $q) { totalCount } }'
    ),
    "searchDiagnosticCenters": (
        'query($q: String) { searchDiagnosticCenters(city: "pune", query: $q) { totalCount } }'
    ),
    "searchPackages": (
        'query($q: String) { searchPackages(city: "pune", query: $q) { totalCount } }'
    ),
    "labTests": "query($q: String) { labTests(query: $q) { edges { node { name } } } }",
    "suggest": 'query($q: String!) { suggest(city: "pune", prefix: $q) { label } }',
}
LONG_TEXTS = {
    "too many characters": "cardiologist " * 40,
    "too many words": " ".join(["skin"] * 30),
    "a megabyte-sized query": "a" * 900_000,
    "many short words": "a " * 400_000,
}


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.mark.parametrize("field", sorted(SEARCHES))
@pytest.mark.parametrize("case", sorted(LONG_TEXTS))
async def test_long_search_text_is_refused_before_any_sql(
    gql: GraphQLClient, dataset: Dataset, field: str, case: str
) -> None:
    body = await gql.execute(SEARCHES[field], {"q": LONG_TEXTS[case]})
    assert _codes(body) == ["BAD_USER_INPUT"], body.get("errors")
    assert body["extensions"]["sqlStatements"] == 0
    message = body["errors"][0]["message"]
    assert "at most" in message and LONG_TEXTS[case][:50] not in message


async def test_a_realistic_query_still_answers(gql: GraphQLClient, dataset: Dataset) -> None:
    body = await gql.execute(SEARCHES["searchPractitioners"], {"q": "heart specialist in kothrud"})
    assert "errors" not in body, body.get("errors")


@pytest.mark.parametrize("first", [0, 101, -5])
async def test_first_is_checked_before_sql(
    gql: GraphQLClient, dataset: Dataset, first: int
) -> None:
    for query in (
        'query($n: Int) { searchPractitioners(city: "pune", first: $n) { totalCount } }',
        'query($n: Int) { searchHospitals(city: "pune", first: $n) { totalCount } }',
        'query($n: Int) { searchDiagnosticCenters(city: "pune", first: $n) { totalCount } }',
        'query($n: Int) { searchPackages(city: "pune", first: $n) { totalCount } }',
    ):
        body = await gql.execute(query, {"n": first})
        assert _codes(body) == ["BAD_USER_INPUT"], (query, body.get("errors"))
        assert body["extensions"]["sqlStatements"] == 0, query


@pytest.mark.parametrize(
    "search_filter",
    [
        {"feeMin": "1e30"},
        {"feeMax": "100000000000"},
        {"minExperienceYears": 1_000_000},
        {"minReviews": 2_000_000_000},
    ],
)
async def test_out_of_range_numbers_are_bad_input(
    gql: GraphQLClient, dataset: Dataset, search_filter: dict[str, Any]
) -> None:
    body = await gql.execute(
        'query($f: PractitionerSearchFilter) { searchPractitioners(city: "pune", filter: $f)'
        " { totalCount } }",
        {"f": search_filter},
    )
    assert _codes(body) == ["BAD_USER_INPUT"], body.get("errors")


async def test_healthz_answers_while_abusive_searches_run(
    http: Any, gql: GraphQLClient, dataset: Dataset
) -> None:
    abusive = [
        gql.execute(SEARCHES[field], {"q": LONG_TEXTS["many short words"]})
        for field in sorted(SEARCHES)
    ]

    async def healthz() -> float:
        await asyncio.sleep(0.01)
        started = time.monotonic()
        response = await http.get("/healthz")
        assert response.status_code == 200
        return time.monotonic() - started

    *bodies, waited = await asyncio.gather(*abusive, healthz())
    assert all(_codes(b) == ["BAD_USER_INPUT"] for b in bodies)
    assert waited < 3.0  # generous: a held event loop took 12.7 s before these bounds
