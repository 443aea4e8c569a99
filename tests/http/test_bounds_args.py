"""Page sizes and `nodes(ids:)` lengths are refused before anything is decoded or queried.

Issue 12: `nodes` with 100,000 IDs took ~300 ms before being refused, and a bad `first` on a
nested connection was noticed only after its parent list had been loaded.
"""

from __future__ import annotations

from typing import Any

import pytest

from hmsdesk_graph.identity.global_ids import to_global_id
from tests.conftest import GraphQLClient

NODES = "query N($ids: [ID!]!) { nodes(ids: $ids) { id } }"

NESTED = """
query H($first: Int) {
  cities { slug }
  hospital(slug: "any") { ...Doctors }
}
fragment Doctors on Hospital {
  ... on Hospital { practitioners(first: $first) { edges { node { id } } } }
}
"""


async def _refused(gql: GraphQLClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = (await gql.post(query, variables)).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert body.get("data") is None
    assert body["extensions"]["sqlStatements"] == 0
    return body


async def test_nodes_with_100000_ids_is_refused_without_sql(gql: GraphQLClient) -> None:
    # Short IDs keep the body under max_body_bytes (real global IDs would be refused at the
    # HTTP layer already); they are never decoded, so their shape does not matter.
    # The last item is not even an ID: refusing on length alone means it is never looked at.
    body = await _refused(gql, NODES, {"ids": ["x"] * 99_999 + [{"not": "an id"}]})
    assert "at most 100" in body["errors"][0]["message"]


async def test_nodes_with_101_literal_ids_is_refused_without_sql(gql: GraphQLClient) -> None:
    literal = ", ".join(f'"{to_global_id("City", n)}"' for n in range(101))
    # Past the bound by one, with the rest of the document valid.
    await _refused(gql, f"{{ nodes(ids: [{literal}]) {{ id }} }}", {})


async def test_nodes_with_100_ids_is_answered(gql: GraphQLClient) -> None:
    ids = [to_global_id("City", n) for n in range(1, 101)]
    body = (await gql.post(NODES, {"ids": ids})).json()
    assert len(body["data"]["nodes"]) == 100
    assert {e["extensions"]["code"] for e in body["errors"]} == {"NOT_FOUND"}


@pytest.mark.parametrize("first", [0, -1, 101, 10**9])
async def test_bad_first_in_a_nested_fragment_is_refused_without_sql(
    gql: GraphQLClient, first: int
) -> None:
    body = await _refused(gql, NESTED, {"first": first})
    assert str(first) in body["errors"][0]["message"]


async def test_bad_literal_first_on_a_listing_is_refused_without_sql(gql: GraphQLClient) -> None:
    await _refused(
        gql, '{ searchPractitioners(city: "pune", first: 101) { edges { node { id } } } }', {}
    )


@pytest.mark.parametrize("first", [1, 100, None])
async def test_first_in_range_runs(gql: GraphQLClient, first: int | None) -> None:
    body = (await gql.post(NESTED, {"first": first})).json()
    # Past the bounds: the hospital lookup runs (and finds nothing).
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    assert body["data"]["hospital"] is None
    assert body["extensions"]["sqlStatements"] > 0
