"""Fuzz findings fixed in unowned modules, pinned as plain regression tests.

Each test is the shortest operation the fuzzer found, with the answer it must get.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.fuzz.conftest import FuzzWorld

LONG = "0" * 200  # longer than any slug column (96)


async def _post(
    http: httpx.AsyncClient, query: str, headers: dict[str, str], variables: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body: dict[str, Any] = response.json()
    return response.status_code, body


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_staff_naming_a_partner_by_an_overlong_slug_finds_none(
    http: httpx.AsyncClient, world: FuzzWorld
) -> None:
    # Was INTERNAL: Tortoise refuses to compare a value longer than the column
    # (ValidationError in reach/campaigns.py owner_partner_id).
    query = "query($p: String) { reachCampaigns(partner: $p) { totalCount } }"
    status, body = await _post(http, query, world.headers["staff"], {"p": LONG})
    assert _codes(body) == ["NOT_FOUND"], body
    assert status < 500


async def test_staff_creating_a_campaign_for_an_overlong_partner_slug_finds_none(
    http: httpx.AsyncClient, world: FuzzWorld
) -> None:
    query = """mutation($p: String) { createCampaign(input: {
      name: "Heart care", provider: "UHJhY3RpdGlvbmVyOjEwMDA", city: "pune",
      committedImpressions: 10, startsOn: "2026-01-01", endsOn: "2026-01-31", partner: $p
    }) { id } }"""
    status, body = await _post(http, query, world.headers["staff"], {"p": LONG})
    assert _codes(body) == ["NOT_FOUND"], body
    assert status < 500


async def test_a_nul_inside_a_string_literal_is_the_clients_mistake(
    http: httpx.AsyncClient, world: FuzzWorld
) -> None:
    # Was INTERNAL on PostgreSQL: a NUL written as \u0000 in the document (not in variables)
    # reached asyncpg, which refuses it ("invalid byte sequence for encoding UTF8: 0x00").
    query = 'query { localityBenchmarks(city: "pu\\u0000ne", specialty: "dentist") { suppressedReason } }'
    status, body = await _post(http, query, world.headers["staff"], {})
    assert _codes(body) in (["BAD_USER_INPUT"], ["NOT_FOUND"]), body
    assert "\x00" not in str(body)
    assert status < 500
