"""Live availability: one practice-system call per request; partial data when it fails."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from hmsdesk_graph.sandbox import RunningSandbox
from tests.conftest import GraphQLClient
from tests.factories import Dataset
from tests.partners.conftest import PATIENT_PARTNER_TIMEOUTS

SEARCH = """
query($first: Int!) {
  searchPractitioners(city: "pune", query: "cardiologist", first: $first) {
    edges { node { name practices { id nextAvailableSlot } } }
  }
}
"""
PROFILE = """
query { practitioner(slug: "dr-asha-kulkarni") {
  name practices { nextAvailableSlot availability(days: 3) { date slots } } reviewSummary { count } } }
"""


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.mark.parametrize("first", [5, 50])
async def test_one_availability_call_per_request(
    gql: GraphQLClient, dataset: Dataset, sandbox: RunningSandbox, first: int
) -> None:
    before = sandbox.calls["slots"]
    body = await gql.execute(SEARCH, {"first": first})
    assert "errors" not in body, body.get("errors")
    edges = body["data"]["searchPractitioners"]["edges"]
    assert len(edges) == first
    assert sandbox.calls["slots"] - before == 1
    assert any(e["node"]["practices"][0]["nextAvailableSlot"] for e in edges)


async def test_availability_by_day(gql: GraphQLClient, dataset: Dataset) -> None:
    body = await gql.execute(PROFILE)
    days = body["data"]["practitioner"]["practices"][0]["availability"]
    assert len(days) == 3
    bad = await gql.execute(
        '{ practitioner(slug: "dr-asha-kulkarni") { practices { availability(days: 8) { date } } } }'
    )
    assert _codes(bad) == ["BAD_USER_INPUT"]


async def _partial(gql: GraphQLClient, settings_budget: float) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    body = await gql.execute(SEARCH, {"first": 5})
    return body, time.monotonic() - started


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ({"error_rate": 1.0}, "UPSTREAM_UNAVAILABLE"),
        ({"malformed": True}, "UPSTREAM_UNAVAILABLE"),
        ({"hang": True}, "UPSTREAM_TIMEOUT"),
    ],
)
async def test_failing_practice_system_gives_partial_data(
    gql: GraphQLClient, dataset: Dataset, sandbox: RunningSandbox, fault: dict[str, Any], code: str
) -> None:
    for knob, value in fault.items():
        sandbox.faults.route("slots").set(knob, value)
    body, elapsed = await _partial(gql, 1.5)
    edges = body["data"]["searchPractitioners"]["edges"]
    assert [e["node"]["name"] for e in edges]  # the rest of the page is there
    assert all(e["node"]["practices"][0]["nextAvailableSlot"] is None for e in edges)
    assert set(_codes(body)) == {code}
    assert len(body["errors"]) == 5  # one per failing path
    assert elapsed < 1.5 + 0.5 + 1.0  # budget + 0.5 s, plus a generous margin for the machine


async def test_stopped_practice_system_then_breaker(
    gql: GraphQLClient, dataset: Dataset, sandbox: RunningSandbox
) -> None:
    sandbox.faults.route("slots").set("error_rate", 1.0)
    for _ in range(3):  # failure threshold is 3 (each request retries, so it opens quickly)
        await gql.execute(SEARCH, {"first": 2})
    calls = sandbox.calls["slots"]
    started = time.monotonic()
    body = await gql.execute(SEARCH, {"first": 2})
    assert time.monotonic() - started < 1.0
    assert set(_codes(body)) == {"UPSTREAM_UNAVAILABLE"}
    assert sandbox.calls["slots"] == calls  # the open breaker answered without calling
    sandbox.faults.route("slots").set("error_rate", 0.0)
    await asyncio.sleep(0.6)  # past the reset time: half-open lets one probe through
    healed = await gql.execute(SEARCH, {"first": 2})
    assert "errors" not in healed


async def test_sandbox_down_is_upstream_unavailable(
    gql: GraphQLClient, dataset: Dataset, sandbox: RunningSandbox
) -> None:
    await sandbox.close()
    started = time.monotonic()
    body = await gql.execute(PROFILE)
    assert time.monotonic() - started < 1.5 + 0.5 + 1.0
    assert body["data"]["practitioner"]["name"] == "Dr. Asha Kulkarni"
    assert body["data"]["practitioner"]["reviewSummary"]["count"] == 12
    assert set(_codes(body)) == {"UPSTREAM_UNAVAILABLE"}


LIVE = """
query($after: String, $w: AvailabilityWindow!) {
  searchPractitioners(city: "pune", filter: {availability: $w}, first: 10, after: $after) {
    availabilitySource
    edges { node { slug practices { nextAvailableSlot } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.mark.partner_settings(**PATIENT_PARTNER_TIMEOUTS)
async def test_availability_filter_uses_live_slots(
    gql: GraphQLClient, dataset: Dataset, sandbox: RunningSandbox
) -> None:
    seen: list[str] = []
    after = None
    while True:
        body = await gql.execute(LIVE, {"after": after, "w": "NEXT_7_DAYS"})
        assert "errors" not in body, body.get("errors")
        result = body["data"]["searchPractitioners"]
        assert result["availabilitySource"] == "LIVE"
        for edge in result["edges"]:
            seen.append(edge["node"]["slug"])
            assert edge["node"]["practices"][0]["nextAvailableSlot"] is not None
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen))
    # Roles the practice system does not know (every 101st id in the sandbox) have no slots.
    assert 100 <= len(seen) < 120


async def test_availability_filter_falls_back_to_weekly_hours(
    gql: GraphQLClient, dataset: Dataset, sandbox: RunningSandbox
) -> None:
    sandbox.faults.route("slots").set("error_rate", 1.0)
    body = await gql.execute(LIVE, {"after": None, "w": "NEXT_7_DAYS"})
    result = body["data"]["searchPractitioners"]
    assert result["availabilitySource"] == "WEEKLY_HOURS"
    assert len(result["edges"]) == 10 and result["pageInfo"]["hasNextPage"] is True
