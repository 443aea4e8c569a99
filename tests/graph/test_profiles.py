"""Profile pages by slug, nested fields, summaries and the committed client operations."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from hmsdesk_graph.api.root import build_schema
from hmsdesk_graph.identity.global_ids import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import SECRET_PHONES, Dataset

OPERATIONS = Path(__file__).resolve().parents[2] / "schema" / "operations"


def _operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


def _variables(name: str, ds: Dataset) -> dict[str, Any]:
    return {
        "practitionerProfile": {"slug": ds.profile_slug},
        "hospitalProfile": {"slug": ds.hospital_slug},
        "diagnosticCenterProfile": {"slug": ds.center_slug},
        "webSearchPractitioners": {"city": "pune", "query": "heart specialist"},
        "mobileSearchPractitioners": {"city": "pune", "near": {"lat": 18.5, "lng": 73.8}},
        "searchList": {"city": "pune", "specialty": "cardiologist"},
        "hospitalListing": {"city": "pune", "query": "hospital"},
        "labTestPriceComparison": {"city": "pune", "labTest": "cbc"},
        "reachDashboardOverview": {"from": "2026-10-01", "to": "2026-10-31"},
        "reachDashboardEntity": {
            "id": str(to_global_id("Hospital", ds.hospital_id)),
            "from": "2026-10-01",
            "to": "2026-10-31",
        },
    }[name]


# These need a PARTNER token, so they cannot run anonymously here: tests/reach runs them
# (test_dashboard.py, test_statements.py) with a partner's token.
PARTNER_OPERATIONS = {"reachDashboardOverview", "reachDashboardEntity"}


async def test_every_committed_operation_runs(gql: GraphQLClient, dataset: Dataset) -> None:
    files = sorted(OPERATIONS.glob("*.graphql"))
    assert files, "schema/operations is empty"
    for path in files:
        if path.stem in PARTNER_OPERATIONS:
            continue
        body = await gql.execute(path.read_text(encoding="utf-8"), _variables(path.stem, dataset))
        assert "errors" not in body, (path.name, body.get("errors"))
        (root,) = body["data"].values()
        assert root is not None, path.name
        for phone in SECRET_PHONES:
            assert phone[-5:] not in str(body), f"{path.name} leaked a private phone"


async def test_practitioner_profile(gql: GraphQLClient, dataset: Dataset) -> None:
    body = await gql.execute(_operation("practitionerProfile"), {"slug": dataset.profile_slug})
    p = body["data"]["practitioner"]
    assert p["name"] == "Dr. Asha Kulkarni"
    assert [s["slug"] for s in p["specialties"]] == ["cardiologist"]
    assert p["practices"][0]["hospital"]["slug"] == dataset.hospital_slug
    assert p["practices"][0]["fees"] == {
        "consultation": "500.00",
        "video": "400.00",
        "currency": "INR",
        "followUpFreeDays": 7,
    }
    assert p["practices"][0]["weeklyHours"][0] == {
        "day": "MON",
        "opens": "09:00",
        "closes": "13:00",
    }
    prices = [Decimal(pkg["price"]["min"]) for pkg in p["pricePackages"]]
    assert prices == sorted(prices) and len(prices) == 4
    summary = p["reviewSummary"]
    assert summary["count"] == 12  # pending reviews are not counted
    assert summary["average"] == "4.58"  # 55 / 12, not truncated to 4
    assert summary["recommendPercent"] == 83
    assert summary["distribution"] == [
        {"rating": 5, "count": 7},
        {"rating": 4, "count": 5},
        {"rating": 3, "count": 0},
        {"rating": 2, "count": 0},
        {"rating": 1, "count": 0},
    ]
    reviews = p["reviews"]["edges"]
    assert len(reviews) == 10 and p["reviews"]["pageInfo"]["hasNextPage"] is True
    dates = [e["node"]["createdAt"] for e in reviews]
    assert dates == sorted(dates, reverse=True)
    assert reviews[0]["node"]["reply"]["text"] == "Thank you!"
    assert reviews[0]["node"]["author"] == {
        "displayName": "Verified patient",
        "verifiedPatient": True,
    }


async def test_reviews_page_to_the_end(gql: GraphQLClient, dataset: Dataset) -> None:
    first = await gql.execute(_operation("practitionerProfile"), {"slug": dataset.profile_slug})
    cursor = first["data"]["practitioner"]["reviews"]["pageInfo"]["endCursor"]
    second = await gql.execute(
        _operation("practitionerProfile"), {"slug": dataset.profile_slug, "reviewsAfter": cursor}
    )
    page2 = second["data"]["practitioner"]["reviews"]
    assert len(page2["edges"]) == 2 and page2["pageInfo"]["hasNextPage"] is False
    ids = [e["node"]["id"] for e in first["data"]["practitioner"]["reviews"]["edges"]]
    ids += [e["node"]["id"] for e in page2["edges"]]
    assert len(set(ids)) == 12


async def test_recommend_percent_is_null_below_ten(gql: GraphQLClient, dataset: Dataset) -> None:
    body = await gql.execute(
        '{ practitioner(slug: "dr-few-reviews") {'
        " reviewSummary { count average recommendPercent } } }"
    )
    assert body["data"]["practitioner"]["reviewSummary"] == {
        "count": 3,
        "average": "4.00",
        "recommendPercent": None,
    }


async def test_hospital_profile(gql: GraphQLClient, dataset: Dataset) -> None:
    body = await gql.execute(_operation("hospitalProfile"), {"slug": dataset.hospital_slug})
    h = body["data"]["hospital"]
    assert h["accreditations"] == [{"name": "NABH", "validUntil": "2027-03-31"}]
    assert h["practitioners"]["totalCount"] == 120
    assert len(h["practitioners"]["edges"]) == 20
    names = [e["node"]["name"] for e in h["practitioners"]["edges"]]
    assert names == sorted(names)
    wards = [(p["ward"], p["price"]["min"]) for p in h["pricePackages"]]
    assert wards == [
        ("GENERAL", "150000.00"),
        ("SEMI_PRIVATE", "300000.00"),
        ("PRIVATE", "450000.00"),
    ]
    source = h["pricePackages"][0]["source"]
    assert source["partner"] == "Aarogya Group" and source["stale"] is False
    cardio = await gql.execute(
        _operation("hospitalProfile"), {"slug": dataset.hospital_slug, "specialty": "cardiologist"}
    )
    assert cardio["data"]["hospital"]["practitioners"]["totalCount"] == 60


async def test_diagnostic_center_profile(gql: GraphQLClient, dataset: Dataset) -> None:
    body = await gql.execute(_operation("diagnosticCenterProfile"), {"slug": dataset.center_slug})
    c = body["data"]["diagnosticCenter"]
    assert [t["slug"] for t in c["labTests"]] == ["cbc", "lipid-profile"]
    assert c["homeCollectionFee"] == "100.00"
    packages = {p["name"]: p for p in c["pricePackages"]}
    assert [t["slug"] for t in packages["Basic Health Check"]["includes"]] == [
        "cbc",
        "lipid-profile",
    ]
    cbc = packages["Complete Blood Count"]
    assert cbc["listPrice"] == "500.00" and cbc["offerPrice"] == "350.00"
    assert cbc["source"]["stale"] is True  # fetched 90 days ago
    assert cbc["price"]["approximate"] is True
    assert c["reviews"]["edges"][0]["node"]["author"]["displayName"] == "Verified patient"


async def test_unknown_slug_is_null_with_not_found(gql: GraphQLClient, dataset: Dataset) -> None:
    for field in ("practitioner", "hospital", "diagnosticCenter"):
        body = await gql.execute(f'{{ {field}(slug: "no-such-slug") {{ name }} }}')
        assert body["data"] == {field: None}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]


def test_personal_fields_exist_only_where_the_rules_apply() -> None:
    """Personal data appears only on Patient and Appointment, whose resolvers check the viewer."""
    from graphql import GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

    schema = build_schema()._schema
    personal = set()
    for gtype in schema.type_map.values():
        if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field in gtype.fields:
                lowered = field.lower()
                if any(
                    w in lowered for w in ("phone", "email", "ciphertext", "hash", "patientname")
                ):
                    personal.add(f"{gtype.name}.{field}")
    assert personal == {
        "Patient.phone",
        "Patient.email",
        "Appointment.patientName",
        "Appointment.patientPhone",
        "GuestInput.phone",
    }
