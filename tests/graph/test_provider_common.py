"""`ProviderCommon`: the fields every provider type shares, selectable once on a `Provider`;
`Facility`: what a hospital and a diagnostic center share besides."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.factories import Dataset

COMMON = """
  slug
  name
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
    assert direct[root]["slug"] == variables["slug"] and direct[root]["name"]
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


FACILITY = """
  address
  location { lat lng }
  accreditations { name validUntil }
  open24x7
  locality { slug name }
"""


@pytest.mark.parametrize("root", ["diagnosticCenter", "hospital"])
async def test_facility_fragment_equals_the_type_fields(
    gql: GraphQLClient, dataset: Dataset, root: str
) -> None:
    variables = {"slug": getattr(dataset, ROOTS[root])}
    direct = await _data(
        gql, f"query($slug: String!) {{ {root}(slug: $slug) {{ {FACILITY} }} }}", variables
    )
    through = await _data(
        gql,
        f"query($slug: String!) {{ {root}(slug: $slug) {{ ... on Facility {{ {FACILITY} }} }} }}",
        variables,
    )
    assert direct == through
    assert direct[root]["address"] and direct[root]["locality"]["slug"]


async def test_a_practitioner_is_no_facility(gql: GraphQLClient, dataset: Dataset) -> None:
    query = """
    query($slug: String!) {
      hospital(slug: $slug) {
        pricePackages(first: 1) { provider { __typename ... on Facility { address } } }
        practitioners(first: 1) {
          edges { node { pricePackages(first: 1) { provider { ... on Facility { address } } } } }
        }
      }
    }
    """
    hospital = (await _data(gql, query, {"slug": dataset.hospital_slug}))["hospital"]
    (package,) = hospital["pricePackages"]
    assert package["provider"]["__typename"] == "Hospital" and package["provider"]["address"]
    (edge,) = hospital["practitioners"]["edges"]
    assert [p["provider"] for p in edge["node"]["pricePackages"]] == [{}]
