"""`ProviderCommon`: the fields every provider type shares, selectable once on a `Provider`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.factories import Dataset

COMMON = """
  city { slug }
  pricePackages(first: 3) { name kind price { min max } }
  reviewSummary { count average recommendPercent distribution { rating count } }
  reviews(first: 2) { totalCount edges { cursor node { rating text author { displayName } } } }
"""

ROOTS = {
    "practitioner": "profile_slug",
    "hospital": "hospital_slug",
    "diagnosticCenter": "center_slug",
}


async def _data(gql: GraphQLClient, query: str, variables: dict[str, Any]) -> Any:
    body = await gql.execute(query, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


@pytest.mark.parametrize("root", sorted(ROOTS))
async def test_interface_fragment_equals_the_type_fields(
    gql: GraphQLClient, dataset: Dataset, root: str
) -> None:
    variables = {"slug": getattr(dataset, ROOTS[root])}
    direct = await _data(
        gql, f"query($slug: String!) {{ {root}(slug: $slug) {{ {COMMON} }} }}", variables
    )
    through = await _data(
        gql,
        f"query($slug: String!) {{ {root}(slug: $slug) {{ ... on ProviderCommon {{ {COMMON} }} }} }}",
        variables,
    )
    assert direct == through
    assert direct[root]["city"] == {"slug": "pune"}
    # Not a vacuous comparison: every provider of the dataset has packages and reviews.
    assert direct[root]["pricePackages"] and direct[root]["reviews"]["edges"]
    assert direct[root]["reviewSummary"]["count"] == direct[root]["reviews"]["totalCount"] > 0


async def test_a_package_provider_and_a_review_target_answer_through_the_interface(
    gql: GraphQLClient, dataset: Dataset
) -> None:
    query = """
    query($slug: String!) {
      hospital(slug: $slug) {
        id
        reviewSummary { count }
        pricePackages(first: 1) {
          provider { __typename ... on ProviderCommon { id reviewSummary { count } } }
        }
        reviews(first: 1) {
          edges { node { target { ... on ProviderCommon { id city { slug } } } } }
        }
      }
    }
    """
    hospital = (await _data(gql, query, {"slug": dataset.hospital_slug}))["hospital"]
    (package,) = hospital["pricePackages"]
    assert package["provider"] == {
        "__typename": "Hospital",
        "id": hospital["id"],
        "reviewSummary": hospital["reviewSummary"],
    }
    (edge,) = hospital["reviews"]["edges"]
    assert edge["node"]["target"] == {"id": hospital["id"], "city": {"slug": "pune"}}
