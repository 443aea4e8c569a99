"""Global IDs: every type round-trips through `node`; bad IDs and arguments are coded errors."""

from __future__ import annotations

import base64

from tests.conftest import GraphQLClient
from tests.factories import Dataset

ALL_IDS = """
query Ids($slug: String!, $hospital: String!, $center: String!) {
  practitioner(slug: $slug) {
    id
    practices { id }
    pricePackages(first: 1) { id }
    reviews(first: 1) { edges { node { id } } }
    specialties { id }
    city { id }
  }
  hospital(slug: $hospital) { id }
  diagnosticCenter(slug: $center) { id labTests { id } }
}
"""


def _codes(body: dict) -> list[str]:  # type: ignore[type-arg]
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_node_round_trips_every_type(gql: GraphQLClient, dataset: Dataset) -> None:
    body = await gql.execute(
        ALL_IDS,
        {
            "slug": dataset.profile_slug,
            "hospital": dataset.hospital_slug,
            "center": dataset.center_slug,
        },
    )
    p = body["data"]["practitioner"]
    ids = {
        "Practitioner": p["id"],
        "PractitionerRole": p["practices"][0]["id"],
        "PricePackage": p["pricePackages"][0]["id"],
        "Review": p["reviews"]["edges"][0]["node"]["id"],
        "Specialty": p["specialties"][0]["id"],
        "City": p["city"]["id"],
        "Hospital": body["data"]["hospital"]["id"],
        "DiagnosticCenter": body["data"]["diagnosticCenter"]["id"],
        "LabTest": body["data"]["diagnosticCenter"]["labTests"][0]["id"],
    }
    for type_name, global_id in ids.items():
        got = await gql.execute(
            "query N($id: ID!) { node(id: $id) { __typename id } }", {"id": global_id}
        )
        assert got["data"]["node"] == {"__typename": type_name, "id": global_id}, type_name
    many = await gql.execute(
        "query N($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": list(ids.values())}
    )
    assert [n["id"] for n in many["data"]["nodes"]] == list(ids.values())


def _raw_id(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


async def test_unknown_id_is_null_with_not_found(gql: GraphQLClient, dataset: Dataset) -> None:
    body = await gql.execute(
        "query N($id: ID!) { node(id: $id) { id } }", {"id": _raw_id("Practitioner:999999")}
    )
    assert body["data"] == {"node": None}
    assert _codes(body) == ["NOT_FOUND"]


async def test_nodes_marks_each_missing_id(gql: GraphQLClient, dataset: Dataset) -> None:
    good = _raw_id(f"Practitioner:{dataset.profile_id}")
    body = await gql.execute(
        "query N($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [good, _raw_id("Hospital:999999"), "%%%"]},
    )
    assert body["data"]["nodes"] == [{"id": good}, None, None]
    assert sorted(_codes(body)) == ["BAD_USER_INPUT", "NOT_FOUND"]
    assert sorted(e["path"][1] for e in body["errors"]) == [1, 2]


async def test_malformed_ids_are_bad_user_input(gql: GraphQLClient, dataset: Dataset) -> None:
    for bad in ("not-base64!", _raw_id("Practitioner:abc"), _raw_id("Secret:1"), _raw_id("x"), ""):
        body = await gql.execute("query N($id: ID!) { node(id: $id) { id } }", {"id": bad})
        assert body["data"] == {"node": None}, bad
        assert _codes(body) == ["BAD_USER_INPUT"], bad


async def test_unpublished_review_is_not_a_node(gql: GraphQLClient, dataset: Dataset) -> None:
    from hmsdesk_graph.db import models

    pending = await models.Review.filter(status="PENDING").first()
    assert pending is not None
    body = await gql.execute(
        "query N($id: ID!) { node(id: $id) { id } }", {"id": _raw_id(f"Review:{pending.pk}")}
    )
    assert body["data"] == {"node": None} and _codes(body) == ["NOT_FOUND"]
