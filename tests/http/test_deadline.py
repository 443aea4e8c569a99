"""Every request has a wall-clock deadline (issue 12): past HMSDESK_REQUEST_DEADLINE_S it is
cancelled and answered 504 TIMEOUT, tested against a partner sandbox that never answers."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.sandbox import RunningSandbox
from tests.conftest import GraphQLClient, sandbox_settings
from tests.factories import Dataset

DEADLINE_S = 1.0
# Asks the practice system for live slots: with the `hang` fault that call never returns.
PROFILE = """
query { practitioner(slug: "dr-asha-kulkarni") {
  name practices { nextAvailableSlot } reviewSummary { count } } }
"""


@pytest.fixture
def settings(database_url: str, sandbox: RunningSandbox) -> Settings:
    # Partner timeouts far beyond the deadline: only the deadline can end the hung request.
    return sandbox_settings(
        database_url,
        sandbox,
        upstream_connect_timeout_s=30.0,
        upstream_read_timeout_s=30.0,
        upstream_total_timeout_s=30.0,
        request_budget_s=30.0,
        availability_cache_ttl_s=0,
        request_deadline_s=DEADLINE_S,
    )


async def test_a_request_hung_on_a_partner_is_cancelled_at_its_deadline(
    http: Any, gql: GraphQLClient, dataset: Dataset, sandbox: RunningSandbox
) -> None:
    sandbox.faults.route("slots").set("hang", True)

    async def healthz_meanwhile() -> int:
        await asyncio.sleep(DEADLINE_S / 4)
        response = await http.get("/healthz")
        return int(response.status_code)

    started = time.monotonic()
    response, health = await asyncio.gather(gql.post(PROFILE), healthz_meanwhile())
    elapsed = time.monotonic() - started
    assert health == 200  # the hung request holds no one else up
    assert response.status_code == 504
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["TIMEOUT"]
    assert f"{DEADLINE_S:g} s" in body["errors"][0]["message"]
    # Cancelled at the deadline, not when the partner timeouts (30 s) would have fired.
    assert DEADLINE_S <= elapsed < DEADLINE_S + 10

    # Nothing was left holding a connection or a lock: the next request answers.
    sandbox.faults.route("slots").set("hang", False)
    after = await gql.post(PROFILE)
    assert after.status_code == 200
    assert after.json()["data"]["practitioner"]["name"]


async def test_a_request_within_its_deadline_is_untouched(
    gql: GraphQLClient, dataset: Dataset, sandbox: RunningSandbox
) -> None:
    sandbox.faults.route("slots").set("latency_ms", 200)
    response = await gql.post(PROFILE)
    assert response.status_code == 200
    assert "errors" not in response.json()


SEARCH_WITH_SLOTS = """
query { searchPractitioners(city: "pune", first: 5) {
  edges { node { slug practices { nextAvailableSlot } } } } }
"""


async def test_a_search_cancelled_at_its_deadline_records_no_impressions(
    app: Any, gql: GraphQLClient, dataset: Dataset, sandbox: RunningSandbox
) -> None:
    from hmsdesk_graph.db import models
    from hmsdesk_graph.db.enums import EventKind

    impressions = models.ListingEvent.filter(
        kind__in=[EventKind.IMPRESSION, EventKind.SPONSORED_IMPRESSION]
    )
    sandbox.faults.route("slots").set("hang", True)
    cancelled = await gql.post(SEARCH_WITH_SLOTS)
    assert cancelled.status_code == 504
    await app.state.events.flush()
    assert await impressions.count() == 0  # the patient was shown nothing

    # The same search without the partner's slots: answered well within the 1 s deadline
    # however busy the machine, and each edge it shows counts.
    answered = await gql.post(SEARCH_WITH_SLOTS.replace(" practices { nextAvailableSlot }", ""))
    assert answered.status_code == 200
    edges = answered.json()["data"]["searchPractitioners"]["edges"]
    assert edges
    await app.state.events.flush()
    assert await impressions.count() == len(edges)
