"""Partner outages: the last good slots and routed numbers are served marked stale, with their
age and a STALE_DATA warning, never past HMSDESK_STALE_MAX_AGE_S, and a kept routed number only
ever to the caller it was routed for. Each case runs in-process and on the real Redis."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.sandbox import RunningSandbox
from hmsdesk_graph.upstream.breaker import BreakerState
from tests.factories import SECRET_PHONES, Dataset
from tests.privacy.people import build_people
from tests.shared.conftest import ClientAt

REVEAL = """mutation($id: ID!) { revealContactNumber(practitionerRoleId: $id) {
  number extension expiresAt stale asOf } }"""
PROFILE = """query { practitioner(slug: "dr-asha-kulkarni") { name practices {
  nextAvailableSlot availability(days: 7) { date slots } availabilitySource availabilityAsOf } } }"""
SEARCH = """query { searchPractitioners(city: "pune", query: "cardiologist", first: 5,
  filter: { availability: NEXT_7_DAYS }) { availabilitySource edges { sponsored node { name } } } }"""

BOOK = """mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) {
  created slotCheckedAgainst } }"""
MAX_AGE_S = 4

# One attempt per call (so a failing call is one breaker failure) and a breaker that stays open
# for the whole test once opened. The outages here are error answers, which come at once, so the
# timeouts are generous: on a loaded CI machine a short one turned an error into UPSTREAM_TIMEOUT.
OUTAGE: dict[str, Any] = {
    "upstream_connect_timeout_s": 5.0,
    "upstream_read_timeout_s": 10.0,
    "upstream_total_timeout_s": 10.0,
    "request_budget_s": 10.0,
    "upstream_max_attempts": 1,
    "breaker_failure_threshold": 2,
    "breaker_reset_s": 600,
}


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def _lookups(cache: str, result: str) -> float:
    labels = {"cache": cache, "result": result}
    return REGISTRY.get_sample_value("hmsdesk_cache_lookups_total", labels) or 0.0


def _warnings(body: dict[str, Any]) -> list[dict[str, Any]]:
    warnings: list[dict[str, Any]] = body.get("extensions", {}).get("warnings", [])
    return warnings


async def _post(http: Any, query: str, variables: Any = None, **kw: Any) -> dict[str, Any]:
    answer = await http.post("/graphql", json={"query": query, "variables": variables or {}}, **kw)
    body: dict[str, Any] = answer.json()
    return body


def _organic(body: dict[str, Any]) -> list[str]:
    edges = body["data"]["searchPractitioners"]["edges"]
    return [e["node"]["name"] for e in edges if not e["sponsored"]]


def _offered(body: dict[str, Any]) -> list[datetime]:
    """Slots the profile showed, from two hours on (earlier ones may pass during the test)."""
    days = body["data"]["practitioner"]["practices"][0]["availability"]
    soon = datetime.now(UTC) + timedelta(hours=2)
    slots = [datetime.fromisoformat(s) for day in days for s in day["slots"]]
    return [s for s in slots if s > soon]


def _booking(role_id: str, slot: datetime, key: str) -> dict[str, Any]:
    guest = {"name": "Meera Joshi", "phone": "+919876500043"}
    return {
        "input": {
            "practitionerRoleId": role_id,
            "slotStart": slot.isoformat(),
            "idempotencyKey": key,
            "guest": guest,
        }
    }


async def _role_id(dataset: Dataset) -> str:
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    return to_global_id("PractitionerRole", role.pk)


@pytest.mark.shared_settings(**OUTAGE)
async def test_a_kept_number_is_served_only_to_the_caller_it_was_routed_for(
    client_at: ClientAt, dataset: Dataset, sandbox: RunningSandbox, settings: Settings
) -> None:
    role_id = await _role_id(dataset)
    people = await build_people(dataset, FieldCipher(settings.field_encryption_key))
    patient = TokenService(settings).mint(Role.PATIENT, patient_id=people.a.id)
    async with client_at("203.0.113.21") as a, client_at("203.0.113.22") as b:
        live = await _post(a, REVEAL, {"id": role_id})
        assert "errors" not in live, live.get("errors")
        number = live["data"]["revealContactNumber"]["number"]
        assert live["data"]["revealContactNumber"]["stale"] is False
        assert live["data"]["revealContactNumber"]["asOf"] is None
        assert not _warnings(live)

        sandbox.faults.route("telephony").set("error_rate", 1.0)
        # Another address, and a signed-in patient on A's own address: neither is A.
        for http, headers in ((b, {}), (a, {"authorization": f"Bearer {patient}"})):
            other = await _post(http, REVEAL, {"id": role_id}, headers=headers)
            assert _codes(other) == ["UPSTREAM_UNAVAILABLE"]
            assert other["data"] is None
            assert number not in str(other) and not _warnings(other)

        again = await _post(a, REVEAL, {"id": role_id})
        assert "errors" not in again, again.get("errors")
        kept = again["data"]["revealContactNumber"]
        assert kept["number"] == number and kept["stale"] is True
        assert kept["expiresAt"] == live["data"]["revealContactNumber"]["expiresAt"]
        assert all(p[-5:] not in str(again) for p in SECRET_PHONES)
        (warning,) = _warnings(again)
        assert warning["code"] == "STALE_DATA"
        assert warning["path"] == ["revealContactNumber"]
        assert warning["service"] == "telephony"
        assert warning["asOf"] == kept["asOf"] and warning["ageSeconds"] >= 0


@pytest.mark.shared_settings(**OUTAGE, availability_cache_ttl_s=1)
async def test_slots_turn_cached_with_their_age_when_the_practice_system_goes_down(
    client_at: ClientAt, dataset: Dataset, sandbox: RunningSandbox, app: Any
) -> None:
    async with client_at("203.0.113.31") as http:
        before = datetime.now(UTC).replace(microsecond=0)
        live = await _post(http, PROFILE)
        assert "errors" not in live and not _warnings(live), live
        (practice,) = live["data"]["practitioner"]["practices"]
        assert practice["availabilitySource"] == "LIVE" and practice["availabilityAsOf"] is None
        assert practice["nextAvailableSlot"]
        assert (await _post(http, SEARCH))["data"]["searchPractitioners"][
            "availabilitySource"
        ] == "LIVE"

        # Past the fresh-value cache's TTL (1 s): its expiry must not take the kept slots along.
        await asyncio.sleep(1.5)
        sandbox.faults.route("slots").set("error_rate", 1.0)
        calls, served = sandbox.calls["slots"], _lookups("last_good_slots", "hit")
        stale = await _post(http, PROFILE)
        assert sandbox.calls["slots"] > calls  # the practice system really was asked
        assert _lookups("last_good_slots", "hit") == served + 1  # counted for operators
        assert "errors" not in stale, stale.get("errors")
        (shown,) = stale["data"]["practitioner"]["practices"]
        assert shown["availabilitySource"] == "CACHED"
        assert shown["nextAvailableSlot"] == practice["nextAvailableSlot"]
        assert shown["availability"] == practice["availability"]
        as_of = datetime.fromisoformat(shown["availabilityAsOf"])
        assert before <= as_of <= before + timedelta(seconds=1.5)
        warnings = _warnings(stale)
        assert {w["code"] for w in warnings} == {"STALE_DATA"}
        paths = {tuple(w["path"]) for w in warnings}
        assert paths == {
            ("practitioner", "practices", 0, field)
            for field in (
                "nextAvailableSlot",
                "availability",
                "availabilitySource",
                "availabilityAsOf",
            )
        }
        assert all(w["ageSeconds"] >= 1 and w["service"] == "practice" for w in warnings)

        # The search filter on kept slots (kept by the live search above) says so too.
        searched = await _post(http, SEARCH)
        assert searched["data"]["searchPractitioners"]["availabilitySource"] == "CACHED"

        # The breaker opens; kept slots are still served, without asking the practice system.
        breaker = app.state.upstreams.practice.breaker
        for _ in range(10):
            if breaker.state is BreakerState.OPEN:
                break
            await _post(http, PROFILE)
        assert breaker.state is BreakerState.OPEN
        calls = sandbox.calls["slots"]
        open_ = await _post(http, PROFILE)
        assert sandbox.calls["slots"] == calls
        assert open_["data"]["practitioner"]["practices"][0]["availabilitySource"] == "CACHED"
        assert len(_warnings(open_)) == 4


@pytest.mark.shared_settings(**OUTAGE)
async def test_the_search_filter_on_kept_slots_is_cached(
    client_at: ClientAt, dataset: Dataset, sandbox: RunningSandbox
) -> None:
    async with client_at("203.0.113.32") as http:
        live = await _post(http, SEARCH)
        assert live["data"]["searchPractitioners"]["availabilitySource"] == "LIVE"
        names = _organic(live)
        assert names
        sandbox.faults.route("slots").set("error_rate", 1.0)
        stale = await _post(http, SEARCH)
        assert "errors" not in stale, stale.get("errors")
        connection = stale["data"]["searchPractitioners"]
        assert connection["availabilitySource"] == "CACHED"
        assert _organic(stale) == names
        (warning,) = _warnings(stale)
        assert warning["code"] == "STALE_DATA"
        assert warning["path"] == ["searchPractitioners", "availabilitySource"]


@pytest.mark.shared_settings(**OUTAGE, stale_max_age_s=MAX_AGE_S)
async def test_nothing_is_served_past_the_maximum_age(
    client_at: ClientAt, dataset: Dataset, sandbox: RunningSandbox
) -> None:
    role_id = await _role_id(dataset)
    async with client_at("203.0.113.41") as http:
        seen = time.monotonic()
        live = await _post(http, PROFILE)
        assert live["data"]["practitioner"]["practices"][0]["nextAvailableSlot"]
        assert "errors" not in await _post(http, REVEAL, {"id": role_id})
        offered = _offered(live)
        sandbox.faults.route("slots").set("error_rate", 1.0)
        sandbox.faults.route("telephony").set("error_rate", 1.0)
        within = await _post(http, PROFILE)  # still within the maximum age: kept slots
        assert within["data"]["practitioner"]["practices"][0]["availabilitySource"] == "CACHED"
        booked = await _post(http, BOOK, _booking(role_id, offered[0], "stale-age-1"))
        assert "errors" not in booked, booked.get("errors")
        assert booked["data"]["bookAppointment"]["slotCheckedAgainst"] == "LAST_KNOWN_AVAILABILITY"

        await asyncio.sleep(max(0.0, seen + MAX_AGE_S + 0.5 - time.monotonic()))
        late = await _post(http, PROFILE)
        practice = late["data"]["practitioner"]["practices"][0]
        assert late["data"]["practitioner"]["name"]  # the rest of the page stands
        assert practice == {
            "nextAvailableSlot": None,
            "availability": None,
            "availabilitySource": None,
            "availabilityAsOf": None,
        }
        assert set(_codes(late)) == {"UPSTREAM_UNAVAILABLE"} and not _warnings(late)
        number = await _post(http, REVEAL, {"id": role_id})
        assert _codes(number) == ["UPSTREAM_UNAVAILABLE"] and number["data"] is None
        assert not _warnings(number)
        # Booking no longer trusts the old slots: the weekly hours decide (a booking checked
        # against them, or a refusal naming them), never LAST_KNOWN_AVAILABILITY.
        late_booking = await _post(http, BOOK, _booking(role_id, offered[1], "stale-age-2"))
        if "errors" in late_booking:
            assert _codes(late_booking) == ["BAD_USER_INPUT"]
            assert "weekly hours" in late_booking["errors"][0]["message"]
        else:
            checked = late_booking["data"]["bookAppointment"]["slotCheckedAgainst"]
            assert checked == "WEEKLY_HOURS"


@pytest.mark.shared_settings(**OUTAGE, stale_max_age_s=0)
async def test_a_maximum_age_of_zero_keeps_and_serves_nothing(
    client_at: ClientAt, dataset: Dataset, sandbox: RunningSandbox
) -> None:
    async with client_at("203.0.113.42") as http:
        assert (await _post(http, PROFILE))["data"]["practitioner"]["practices"][0][
            "nextAvailableSlot"
        ]
        sandbox.faults.route("slots").set("error_rate", 1.0)
        down = await _post(http, PROFILE)
        assert down["data"]["practitioner"]["practices"][0]["nextAvailableSlot"] is None
        assert set(_codes(down)) == {"UPSTREAM_UNAVAILABLE"} and not _warnings(down)


@pytest.mark.parametrize("backend", ["redis"], indirect=True)
@pytest.mark.shared_settings(**OUTAGE, redis_url="redis://127.0.0.1:1/0")
async def test_an_unreachable_redis_never_fails_partner_data(
    client_at: ClientAt, dataset: Dataset, sandbox: RunningSandbox
) -> None:
    async with client_at("203.0.113.61") as http:
        live = await _post(http, PROFILE)  # keeping the slots fails: the answer stands
        assert "errors" not in live, live.get("errors")
        assert live["data"]["practitioner"]["practices"][0]["availabilitySource"] == "LIVE"
        sandbox.faults.route("slots").set("error_rate", 1.0)
        down = await _post(http, PROFILE)  # nothing can be read back: the partner's own error
        assert down["data"]["practitioner"]["practices"][0]["nextAvailableSlot"] is None
        assert set(_codes(down)) == {"UPSTREAM_UNAVAILABLE"} and not _warnings(down)
