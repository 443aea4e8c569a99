"""Two `hmsdesk-graph serve` processes on one database and one Redis: partner answers seen
through one are served stale by the other while the partner is down, booking against them
checks the same kept slots, and a kept routed number still reaches only its own caller."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.sandbox import RunningSandbox
from tests.factories import build_dataset
from tests.shared.test_stale import PROFILE, REVEAL, SEARCH
from tests.shared.test_two_processes import _servers, _wait_ready

# Not the profile's specialty: B must not hold the profile's slots in its own fresh cache.
SEARCH_DERMATOLOGISTS = SEARCH.replace('"cardiologist"', '"dermatologist"')

BOOK = """mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) {
  created slotCheckedAgainst } }"""


async def _gql(
    http: httpx.AsyncClient, base: str, client: str, query: str, variables: Any = None
) -> dict[str, Any]:
    answer = await http.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"x-forwarded-for": client},
    )
    body: dict[str, Any] = answer.json()
    return body


def _organic(body: dict[str, Any]) -> list[str]:
    edges = body["data"]["searchPractitioners"]["edges"]
    return [e["node"]["name"] for e in edges if not e["sponsored"]]


def _booking(role_id: str, slot: datetime, key: str) -> dict[str, Any]:
    return {
        "input": {
            "practitionerRoleId": role_id,
            "slotStart": slot.isoformat(),
            "idempotencyKey": key,
            "guest": {"name": "Meera Joshi", "phone": "+919876500042"},
        }
    }


@pytest.mark.parametrize("backend", ["redis"], indirect=True)
async def test_two_server_processes_serve_each_others_last_good_values(
    db: Settings, sandbox: RunningSandbox
) -> None:
    settings = db
    dataset = await build_dataset(FieldCipher(settings.field_encryption_key))
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    role_id = to_global_id("PractitionerRole", role.pk)
    x, y, z = "203.0.113.51", "203.0.113.52", "203.0.113.53"
    with _servers(settings, sandbox, 2) as (a, b):
        async with httpx.AsyncClient(timeout=10) as http:
            for base in (a, b):
                assert (await _wait_ready(http, base))["redis"] == "ok"

            # Partners up: X sees a profile and a routed number through A, Z a search through B.
            live = await _gql(http, a, x, PROFILE)
            assert "errors" not in live, live.get("errors")
            (shown,) = live["data"]["practitioner"]["practices"]
            assert shown["availabilitySource"] == "LIVE"
            number = (await _gql(http, a, x, REVEAL, {"id": role_id}))["data"][
                "revealContactNumber"
            ]["number"]
            searched = await _gql(http, b, z, SEARCH_DERMATOLOGISTS)
            assert searched["data"]["searchPractitioners"]["availabilitySource"] == "LIVE"
            assert _organic(searched) and "Asha" not in str(_organic(searched))

            sandbox.faults.route("slots").set("error_rate", 1.0)
            sandbox.faults.route("telephony").set("error_rate", 1.0)

            # B never asked about this profile: it serves what A saw, marked stale.
            in_b = await _gql(http, b, x, PROFILE)
            assert "errors" not in in_b, in_b.get("errors")
            (kept,) = in_b["data"]["practitioner"]["practices"]
            assert kept["availabilitySource"] == "CACHED" and kept["availabilityAsOf"]
            assert kept["availability"] == shown["availability"]
            ages = [w["ageSeconds"] for w in in_b["extensions"]["warnings"]]
            assert {w["code"] for w in in_b["extensions"]["warnings"]} == {"STALE_DATA"}
            print(
                f"\ntwo processes: slots seen through A served by B as {kept['availabilitySource']}"
                f" (asOf {kept['availabilityAsOf']}, ageSeconds {max(ages)})"
            )

            # And A serves, stale, the search page only B asked about.
            in_a = await _gql(http, a, z, SEARCH_DERMATOLOGISTS)
            assert in_a["data"]["searchPractitioners"]["availabilitySource"] == "CACHED"
            assert _organic(in_a) == _organic(searched)
            print("two processes: search filtered through B served by A as CACHED")

            # X's routed number, through B; Y (another caller) gets none, let alone X's.
            again = await _gql(http, b, x, REVEAL, {"id": role_id})
            assert again["data"]["revealContactNumber"]["number"] == number
            assert again["data"]["revealContactNumber"]["stale"] is True
            other = await _gql(http, b, y, REVEAL, {"id": role_id})
            assert [e["extensions"]["code"] for e in other["errors"]] == ["UPSTREAM_UNAVAILABLE"]
            assert number not in str(other)
            print("two processes: X's routed number served stale by B; Y refused")

            # Booking through B checks against the slots shown through A.
            slots = [datetime.fromisoformat(s) for d in shown["availability"] for s in d["slots"]]
            soon = datetime.now().astimezone() + timedelta(hours=2)
            slot = next(s for s in slots if s > soon)
            booked = await _gql(http, b, y, BOOK, _booking(role_id, slot, "stale-two-proc-1"))
            assert "errors" not in booked, booked.get("errors")
            checked = booked["data"]["bookAppointment"]["slotCheckedAgainst"]
            assert checked == "LAST_KNOWN_AVAILABILITY"
            unoffered = next(
                s + timedelta(minutes=5)
                for s in slots
                if s > soon and s + timedelta(minutes=5) not in slots
            )
            refused = await _gql(http, b, y, BOOK, _booking(role_id, unoffered, "stale-two-proc-2"))
            assert [e["extensions"]["code"] for e in refused["errors"]] == ["BAD_USER_INPUT"]
            print(f"two processes: booking through B of a slot shown through A: {checked}")
