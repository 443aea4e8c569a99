"""suggest: typed prefix completions in priority order, at most ten, within the city."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.factories import Dataset
from tests.search.price_data import PriceData, build_price_data

SUGGEST = """
query S($city: String!, $prefix: String!) {
  suggest(city: $city, prefix: $prefix) { type label slug }
}
"""
ORDER = ["SPECIALTY", "SYMPTOM", "PRACTITIONER", "HOSPITAL", "DIAGNOSTIC_CENTER", "LAB_TEST"]


@pytest.fixture
async def data(dataset: Dataset) -> PriceData:
    return await build_price_data(dataset)


async def _suggest(gql: GraphQLClient, prefix: str, city: str = "pune") -> list[tuple[str, ...]]:
    body = await gql.execute(SUGGEST, {"city": city, "prefix": prefix})
    assert "errors" not in body, body["errors"]
    return [(s["type"], s["label"], s["slug"]) for s in body["data"]["suggest"]]


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("ca", [("SPECIALTY", "Cardiologist", "cardiologist")]),
        ("CARDIO", [("SPECIALTY", "Cardiologist", "cardiologist")]),
        ("heart", [("SPECIALTY", "Cardiologist", "cardiologist")]),  # a synonym
        ("chest", [("SYMPTOM", "chest pain", "chest-pain")]),
        ("asha", [("PRACTITIONER", "Dr. Asha Kulkarni", "dr-asha-kulkarni")]),
        ("dr. asha k", [("PRACTITIONER", "Dr. Asha Kulkarni", "dr-asha-kulkarni")]),
        ("lip", [("LAB_TEST", "Lipid Profile", "lipid-profile")]),
        ("tsh", [("LAB_TEST", "Thyroid Profile", "thyroid-profile")]),  # a synonym
        (
            "ko",  # word prefixes; centers by stories (4 reviews before none)
            [
                ("HOSPITAL", "Aarogya Hospital Kothrud", "aarogya-hospital-kothrud"),
                ("DIAGNOSTIC_CENTER", "Pune Diagnostics Kothrud", "pune-diagnostics-kothrud"),
                ("DIAGNOSTIC_CENTER", "Kothrud Lab Point", "kothrud-lab-point"),
            ],
        ),
        (
            "sk",
            [
                ("SPECIALTY", "Dermatologist", "dermatologist"),
                ("HOSPITAL", "Baner Skin Clinic", "baner-skin-clinic"),
            ],
        ),
        (
            "ba",  # Pune only: not Bandra's hospitals and center
            [
                ("HOSPITAL", "Baner Nursing Home", "baner-nursing-home"),
                ("HOSPITAL", "Baner Skin Clinic", "baner-skin-clinic"),
                ("DIAGNOSTIC_CENTER", "Baner Path Labs", "baner-path-labs"),
            ],
        ),
        ("kothrud lab", [("DIAGNOSTIC_CENTER", "Kothrud Lab Point", "kothrud-lab-point")]),
        ("zz", []),
    ],
)
async def test_suggestions(
    gql: GraphQLClient, data: PriceData, prefix: str, expected: list[tuple[str, ...]]
) -> None:
    assert await _suggest(gql, prefix) == expected


async def test_city_scopes_names(gql: GraphQLClient, data: PriceData) -> None:
    assert await _suggest(gql, "heart", city="mumbai") == [
        ("SPECIALTY", "Cardiologist", "cardiologist"),
        ("HOSPITAL", "Bandra Heart Hospital", "bandra-heart-hospital"),
    ]
    assert ("PRACTITIONER", "Dr. Few Reviews", "dr-few-reviews") in await _suggest(
        gql, "few", city="mumbai"
    )
    assert await _suggest(gql, "few") == []


@pytest.mark.parametrize("prefix", ["", " ", "a", "c ", ".", "é"])
async def test_short_prefixes_suggest_nothing(
    gql: GraphQLClient, data: PriceData, prefix: str
) -> None:
    assert await _suggest(gql, prefix) == []


async def test_at_most_ten_in_priority_order(gql: GraphQLClient, data: PriceData) -> None:
    doctors = await _suggest(gql, "doc")  # 119 "Dr. Doctor nnn" in Pune: the ten first by name
    assert [label for _, label, _ in doctors] == [f"Dr. Doctor {i:03d}" for i in range(1, 11)]
    for prefix in ("de", "d", "dr", "co", "ba", "ko", "sk", "pu"):
        found = await _suggest(gql, prefix)
        assert len(found) <= 10
        types = [ORDER.index(t) for t, _, _ in found]
        assert types == sorted(types), prefix


async def test_statement_count_is_small_and_constant(
    app: Any, gql: GraphQLClient, data: PriceData
) -> None:
    app.state.compiled.reference.recheck_s = 3600.0
    # The vocabularies (rebuilt every few minutes, not per request) and the worker's catalogue
    # rows (the city by slug, kept).
    await _suggest(gql, "warm")
    for prefix in ("ca", "doc", "kothrud lab", "zz"):
        body = await gql.execute(SUGGEST, {"city": "pune", "prefix": prefix})
        assert body["extensions"]["sqlStatements"] == 1, prefix  # the names


async def test_unknown_city_is_bad_input(gql: GraphQLClient, data: PriceData) -> None:
    body: dict[str, Any] = await gql.execute(SUGGEST, {"city": "atlantis", "prefix": "ca"})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert "city" in body["errors"][0]["message"]
