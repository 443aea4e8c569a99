"""`upsertPricePackages`: own listings only, checked like feeds, all or nothing."""

from __future__ import annotations

from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.identity.global_ids import to_global_id
from tests.conftest import GraphQLClient
from tests.reach.conftest import Viewers, codes, run
from tests.reach.world import ReachWorld

UPSERT = """
mutation($input: UpsertPricePackagesInput!) {
  upsertPricePackages(input: $input) {
    created updated
    packages { name kind price { min max approximate } listPrice offerPrice includes { slug }
               source { fetchedAt stale } }
  }
}
"""
# Two upserts in one request: the second must see what the first changed, not the first's
# loader caches.
TWICE = """
mutation($a: UpsertPricePackagesInput!, $b: UpsertPricePackagesInput!) {
  a: upsertPricePackages(input: $a) {
    packages { provider { ... on DiagnosticCenter { pricePackages(kind: LAB_TEST, first: 5) {
      name price { min } includes { slug } } } } }
  }
  b: upsertPricePackages(input: $b) {
    packages { provider { ... on DiagnosticCenter { pricePackages(kind: LAB_TEST, first: 5) {
      name price { min } includes { slug } } } } }
  }
}
"""


def _cbc(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "externalRef": "cbc-home",
        "name": "CBC at home",
        "kind": "LAB_TEST",
        "priceMin": "250.50",
        "priceMax": "300",
        "listPrice": "400",
        "offerPrice": "300",
        "labTests": ["cbc"],
    }
    values.update(overrides)
    return values


def _input(world: ReachWorld, *packages: dict[str, Any]) -> dict[str, Any]:
    return {
        "provider": to_global_id("DiagnosticCenter", world.ds.center_id),
        "packages": list(packages),
    }


async def test_partner_creates_then_updates_its_packages(
    gql: GraphQLClient, world: ReachWorld, viewers: Viewers
) -> None:
    health = {
        "externalRef": "basic-2",
        "name": "Basic check",
        "kind": "HEALTH_PACKAGE",
        "priceMin": "999",
        "priceMax": "999",
        "labTests": ["cbc", "lipid-profile"],
        "approximate": False,
        "validUntil": "2030-01-31",
    }
    body = await run(gql, UPSERT, {"input": _input(world, _cbc(), health)}, viewers.x)
    assert "errors" not in body, body["errors"]
    result = body["data"]["upsertPricePackages"]
    assert (result["created"], result["updated"]) == (2, 0)
    cbc, check = result["packages"]
    assert cbc["price"] == {"min": "250.50", "max": "300.00", "approximate": True}
    assert (cbc["listPrice"], cbc["offerPrice"]) == ("400.00", "300.00")
    assert [t["slug"] for t in check["includes"]] == ["cbc", "lipid-profile"]
    assert cbc["source"]["stale"] is False and cbc["source"]["fetchedAt"]
    row = await models.PricePackage.get(external_ref="cbc-home")
    assert (row.price_min_paise, row.price_max_paise, row.feed_id) == (25050, 30000, None)
    again = await run(
        gql, UPSERT, {"input": _input(world, _cbc(priceMin="199", labTests=["lipid-profile"]))},
        viewers.x,
    )  # fmt: skip
    result = again["data"]["upsertPricePackages"]
    assert (result["created"], result["updated"]) == (0, 1)
    assert result["packages"][0]["price"]["min"] == "199.00"
    assert [t["slug"] for t in result["packages"][0]["includes"]] == ["lipid-profile"]
    assert await models.PricePackage.filter(external_ref="cbc-home").count() == 1


async def test_a_mutation_clears_what_it_changed_from_the_request_loaders(
    gql: GraphQLClient, world: ReachWorld, viewers: Viewers
) -> None:
    variables = {
        "a": _input(world, _cbc(priceMin="10")),
        "b": _input(world, _cbc(priceMin="20", labTests=["lipid-profile"])),
    }
    body = await run(gql, TWICE, variables, viewers.x)
    assert "errors" not in body, body["errors"]

    def mine(field: str) -> dict[str, Any]:
        packages = body["data"][field]["packages"][0]["provider"]["pricePackages"]
        return next(p for p in packages if p["name"] == "CBC at home")

    assert mine("a")["price"]["min"] == "10.00"
    assert mine("b") == {
        "name": "CBC at home",
        "price": {"min": "20.00"},
        "includes": [{"slug": "lipid-profile"}],
    }


async def test_one_bad_package_saves_nothing_and_every_problem_is_listed(
    gql: GraphQLClient, world: ReachWorld, viewers: Viewers
) -> None:
    before = await models.PricePackage.all().count()
    bad = [
        _cbc(),
        _cbc(externalRef="b1", priceMin="500", priceMax="400"),
        _cbc(externalRef="b2", offerPrice="450"),
        _cbc(externalRef="b3", labTests=["unicorn-test"]),
        _cbc(externalRef="b4", labTests=[]),
        _cbc(externalRef="b5", kind="ROOM_RENT", labTests=[]),
        _cbc(externalRef="b6", priceMin="12.345"),
        _cbc(externalRef="b7", priceMin="-5"),
        _cbc(externalRef="cbc-home"),
        _cbc(externalRef="b9", kind="CONSULTATION", ward="ICU", labTests=[]),
        _cbc(externalRef="b10", validUntil="2001-01-01"),
    ]
    body = await run(gql, UPSERT, {"input": _input(world, *bad)}, viewers.x)
    assert codes(body) == ["BAD_USER_INPUT"]
    message = body["errors"][0]["message"]
    for expected in (
        "packages[1].priceMin must not exceed priceMax",
        "packages[2].offerPrice must not exceed listPrice",
        "packages[3].labTests names unknown lab tests (unicorn-test)",
        "packages[4].labTests needs at least one lab test",
        "packages[5].ward is required for a ROOM_RENT package",
        "packages[6].priceMin must have at most two decimals",
        "packages[7].priceMin must be more than zero",
        "packages[8].externalRef repeats packages[0]",
        "packages[9].ward does not apply to consultations",
        "packages[10].validUntil must be from today",
    ):
        assert expected in message, (expected, message)
    assert message.startswith("Nothing was saved")
    assert await models.PricePackage.all().count() == before


async def test_only_own_listings(gql: GraphQLClient, world: ReachWorld, viewers: Viewers) -> None:
    body = await run(gql, UPSERT, {"input": _input(world, _cbc())}, viewers.y)
    missing = await run(
        gql, UPSERT,
        {"input": {"provider": to_global_id("DiagnosticCenter", 9999), "packages": [_cbc()]}},
        viewers.y,
    )  # fmt: skip
    assert codes(body) == codes(missing) == ["NOT_FOUND"]
    assert body["errors"][0]["message"] == missing["errors"][0]["message"]
    assert codes(await run(gql, UPSERT, {"input": _input(world, _cbc())}, viewers.patient)) == [
        "FORBIDDEN"
    ]
    assert not await models.PricePackage.filter(external_ref="cbc-home").exists()
