"""Connections: `first` bounds, cursors bound to their list, no repeats or skips."""

from __future__ import annotations

from typing import Any

import pytest

from hmsdesk_graph.db import models
from tests.conftest import GraphQLClient
from tests.factories import Dataset

LISTING = """
query L($city: String!, $specialty: String, $first: Int, $after: String) {
  practitioners(city: $city, specialty: $specialty, first: $first, after: $after) {
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def _page(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    body = await gql.execute(LISTING, variables)
    assert "errors" not in body, body["errors"]
    page: dict[str, Any] = body["data"]["practitioners"]
    return page


@pytest.mark.parametrize("first", [0, 101, -1])
async def test_first_out_of_range_is_bad_user_input(
    gql: GraphQLClient, dataset: Dataset, first: int
) -> None:
    body = await gql.execute(LISTING, {"city": "pune", "first": first})
    # Refused before execution: a request error has no data entry.
    assert body.get("data") is None or body["data"]["practitioners"] is None
    assert _codes(body) == ["BAD_USER_INPUT"]
    assert "between 1 and 100" in body["errors"][0]["message"]


async def test_first_defaults_to_twenty(gql: GraphQLClient, dataset: Dataset) -> None:
    page = await _page(gql, city="pune")
    assert len(page["edges"]) == 20 and page["pageInfo"]["hasNextPage"] is True


async def test_nested_first_is_checked_too(gql: GraphQLClient, dataset: Dataset) -> None:
    body = await gql.execute(
        '{ hospital(slug: "aarogya-hospital-kothrud") {'
        " practitioners(first: 101) { edges { cursor } } } }"
    )
    assert _codes(body) == ["BAD_USER_INPUT"]
    body = await gql.execute(
        '{ practitioner(slug: "dr-asha-kulkarni") { pricePackages(first: 0) { name } } }'
    )
    assert _codes(body) == ["BAD_USER_INPUT"]


async def test_bad_cursors_are_bad_user_input(gql: GraphQLClient, dataset: Dataset) -> None:
    page = await _page(gql, city="pune", first=3)
    cursor = page["pageInfo"]["endCursor"]
    # Another list's cursor (a different filter), garbage, and a tampered cursor.
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    cases = [
        {"city": "pune", "specialty": "cardiologist", "after": cursor},
        {"city": "mumbai", "after": cursor},
        {"city": "pune", "after": "garbage"},
        {"city": "pune", "after": tampered},
    ]
    for variables in cases:
        body = await gql.execute(LISTING, {**variables, "first": 3})
        assert _codes(body) == ["BAD_USER_INPUT"], variables
        assert "cursor" in body["errors"][0]["message"]
    reviews_cursor = await gql.execute(
        '{ practitioner(slug: "dr-asha-kulkarni") {'
        " reviews(first: 2) { pageInfo { endCursor } } } }"
    )
    foreign = reviews_cursor["data"]["practitioner"]["reviews"]["pageInfo"]["endCursor"]
    body = await gql.execute(LISTING, {"city": "pune", "after": foreign})
    assert _codes(body) == ["BAD_USER_INPUT"]


async def test_paging_to_the_end_never_repeats_or_skips(
    gql: GraphQLClient, dataset: Dataset
) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = await _page(gql, city="pune", first=7, after=after)
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 120


async def test_paging_while_rows_are_inserted(gql: GraphQLClient, dataset: Dataset) -> None:
    """Rows added behind the cursor are not seen; rows added ahead are; nothing repeats."""
    seen: list[str] = []
    after = None
    inserted = 0
    while True:
        page = await _page(gql, city="pune", first=10, after=after)
        seen += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        # One new doctor sorts before everything seen, one after everything.
        for name in (f"Dr. Aaaa {inserted:03d}", f"Dr. Zzzz {inserted:03d}"):
            await models.Practitioner.create(
                slug=f"new-{inserted}-{name[4]}",
                name=name,
                gender="MALE",
                city_id=dataset.city_ids["pune"],
                registration_number="X",
                council="MMC",
                practising_since=2010,
            )
        inserted += 1
    assert len(seen) == len(set(seen))
    originals = [n for n in seen if n.startswith("Dr. Doctor") or n == "Dr. Asha Kulkarni"]
    assert len(originals) == 120  # nothing of the original list was skipped
    assert all(not n.startswith("Dr. Aaaa") for n in seen)  # behind the cursor
    assert sum(n.startswith("Dr. Zzzz") for n in seen) == inserted  # ahead of it


async def test_unknown_city_or_specialty_is_bad_user_input(
    gql: GraphQLClient, dataset: Dataset
) -> None:
    body = await gql.execute(LISTING, {"city": "atlantis"})
    assert _codes(body) == ["BAD_USER_INPUT"] and "atlantis" in body["errors"][0]["message"]
    body = await gql.execute(LISTING, {"city": "pune", "specialty": "astrology"})
    assert _codes(body) == ["BAD_USER_INPUT"]


async def test_total_count_only_when_asked(app: Any, gql: GraphQLClient, dataset: Dataset) -> None:
    # The first request reads the worker's catalogue rows (the city by slug) for later ones.
    app.state.compiled.reference.recheck_s = 3600.0
    await gql.execute('{ hospitals(city: "pune") { edges { node { name } } } }')
    without = await gql.execute('{ hospitals(city: "pune") { edges { node { name } } } }')
    with_count = await gql.execute(
        '{ hospitals(city: "pune") { totalCount edges { node { name } } } }'
    )
    assert with_count["data"]["hospitals"]["totalCount"] == 1
    assert with_count["extensions"]["sqlStatements"] == without["extensions"]["sqlStatements"] + 1


async def test_lab_tests_name_match(gql: GraphQLClient, dataset: Dataset) -> None:
    body = await gql.execute('{ labTests(query: "LIPID") { edges { node { slug } } } }')
    assert [e["node"]["slug"] for e in body["data"]["labTests"]["edges"]] == ["lipid-profile"]
    body = await gql.execute('{ labTests(query: "%") { totalCount } }')
    assert body["data"]["labTests"]["totalCount"] == 0  # LIKE wildcards are escaped
