"""Rate limits: field errors with retryAfter, a 429 request budget, real client addresses,
windows shared by every worker on Redis, and nothing identifying kept in Redis."""

from __future__ import annotations

from typing import Any

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.guards.ratelimit import Limit, RateLimits
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.shared import SharedState, client_address, client_key
from tests.factories import Dataset
from tests.privacy.people import build_people
from tests.privacy.test_bookings import BOOK, next_monday_slot
from tests.privacy.test_reviews_and_data import SUBMIT
from tests.shared.conftest import ClientAt, delete_prefix

REVEAL = "mutation($id: ID!) { revealContactNumber(practitionerRoleId: $id) { number } }"
CITIES = "{ cities { slug } }"


async def _role_id(dataset: Dataset) -> str:
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    return to_global_id("PractitionerRole", role.pk)


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def _post(http: Any, query: str, variables: Any = None, **kw: Any) -> Any:
    return await http.post("/graphql", json={"query": query, "variables": variables or {}}, **kw)


@pytest.mark.parametrize("backend", ["redis"], indirect=True)
@pytest.mark.shared_settings(contact_reveals_per_hour=1, bookings_per_hour=1)
async def test_redis_keeps_no_address_account_or_phone(
    client_at: ClientAt, dataset: Dataset, settings: Settings
) -> None:
    people = await build_people(dataset, FieldCipher(settings.field_encryption_key))
    patient = TokenService(settings).mint(Role.PATIENT, patient_id=people.a.id)
    role_id = await _role_id(dataset)
    guest_phone = "+919812345678"
    async with client_at("203.0.113.77") as http:
        for headers in ({}, {"authorization": f"Bearer {patient}"}):
            for _ in range(2):  # the second is refused: windows and refusals both written
                await _post(http, REVEAL, {"id": role_id}, headers=headers)
        booking = {
            "practitionerRoleId": role_id,
            "slotStart": next_monday_slot(10, 0),
            "idempotencyKey": "privacy-key-1",
            "guest": {"name": "Guest Person", "phone": guest_phone},
        }
        await _post(http, BOOK, {"input": booking})
    import redis

    client = redis.Redis.from_url(settings.redis_url or "")
    try:
        keys = list(client.scan_iter(match=settings.redis_key_prefix + "*"))
        dump = b" ".join(keys + [client.dump(k) or b"" for k in keys])
    finally:
        client.close()
    assert len(keys) >= 3  # reveals by two viewers, one booking (and its retry marker)
    for secret in ("203.0.113.77", "patient", "9812345678", "Guest"):
        assert secret.encode() not in dump, secret


async def test_contact_reveals_limit_is_a_field_error_with_retry_after(
    client_at: ClientAt, dataset: Dataset, settings: Settings
) -> None:
    assert settings.contact_reveals_per_hour == 10
    role_id = await _role_id(dataset)
    async with client_at("198.51.100.20") as http:
        bodies = [(await _post(http, REVEAL, {"id": role_id})).json() for _ in range(10)]
        assert [_codes(b) for b in bodies] == [[]] * 10
        refused = (await _post(http, REVEAL, {"id": role_id})).json()
    # A field-level limit stays a field error: the operation ran (data, a path), no 429.
    assert "data" in refused
    error = refused["errors"][0]
    assert error["path"] == ["revealContactNumber"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["limit"] == 10
    assert 3000 < error["extensions"]["retryAfter"] <= 3600
    async with client_at("198.51.100.21") as other:  # another anonymous client is not limited
        assert _codes((await _post(other, REVEAL, {"id": role_id})).json()) == []


@pytest.mark.shared_settings(client_requests_per_minute=3)
async def test_request_budget_refuses_the_whole_request_with_429(
    client_at: ClientAt, dataset: Dataset
) -> None:
    async with client_at("198.51.100.30") as http:
        statuses = [(await _post(http, CITIES)).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        refused = await _post(http, CITIES)
        assert (await http.get("/healthz")).status_code == 200  # only /graphql is budgeted
    assert refused.status_code == 429
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 60
    body = refused.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"] == {
        "code": "RATE_LIMITED",
        "limit": 3,
        "retryAfter": retry_after,
    }
    async with client_at("198.51.100.31") as other:
        assert (await _post(other, CITIES)).status_code == 200


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
@pytest.mark.shared_settings(client_requests_per_minute=2, trusted_proxies=("10.0.0.0/8",))
async def test_forwarded_for_is_believed_only_from_trusted_proxies(
    client_at: ClientAt, dataset: Dataset
) -> None:
    async with client_at("198.51.100.40") as untrusted:  # anyone can write any header
        spoofed = [
            await _post(untrusted, CITIES, headers={"x-forwarded-for": f"203.0.113.{i}"})
            for i in range(3)
        ]
        assert [r.status_code for r in spoofed] == [200, 200, 429]
    async with client_at("10.0.0.5") as proxy:
        for client in ("203.0.113.1", "203.0.113.2"):  # two clients behind our proxy
            answers = [
                await _post(proxy, CITIES, headers={"x-forwarded-for": client}) for _ in range(3)
            ]
            assert [r.status_code for r in answers] == [200, 200, 429], client
        # A hop the client wrote itself (left of the real one) is not believed either.
        forged = await _post(proxy, CITIES, headers={"x-forwarded-for": "192.0.2.9, 203.0.113.1"})
        assert forged.status_code == 429


def test_client_address_reads_right_to_left_through_trusted_hops() -> None:
    trusted = ("10.0.0.0/8", "::1/128")
    hdr = {"x-forwarded-for": "192.0.2.1, 203.0.113.5, 10.1.1.1"}
    assert client_address("10.0.0.2", hdr, trusted) == "203.0.113.5"
    assert client_address("198.51.100.1", hdr, trusted) == "198.51.100.1"
    assert client_address("10.0.0.2", {}, trusted) == "10.0.0.2"
    assert client_address("10.0.0.2", {"x-forwarded-for": "junk, 10.1.1.1"}, trusted) == "10.0.0.2"
    assert client_address("10.0.0.2", hdr, ()) == "10.0.0.2"  # no proxies trusted: the peer
    # IPv6 clients are counted per /64; keys are opaque and differ per subject and address.
    assert client_key("s" * 32, None, "2001:db8::1") == client_key("s" * 32, None, "2001:db8::2")
    assert client_key("s" * 32, None, "192.0.2.1") != client_key("s" * 32, None, "192.0.2.2")
    assert "192.0.2.1" not in client_key("s" * 32, None, "192.0.2.1")


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
@pytest.mark.shared_settings(client_requests_per_minute=0)
async def test_a_budget_of_zero_is_no_budget(client_at: ClientAt, dataset: Dataset) -> None:
    async with client_at("198.51.100.50") as http:
        statuses = {(await _post(http, CITIES)).status_code for _ in range(40)}
    assert statuses == {200}


@pytest.mark.shared_settings(contact_reveals_per_hour=2)
async def test_windows_are_shared_by_every_worker_on_redis(
    client_at: ClientAt, dataset: Dataset, settings: Settings
) -> None:
    """Another worker (its own SharedState and limits on the same settings) uses up the
    viewer's reveals: on Redis this app refuses the next one; in-process it cannot know."""
    other_worker_state = await SharedState.open(settings)
    try:
        other = RateLimits.open(settings, other_worker_state)
        key = client_key(settings.secret_key, None, "198.51.100.60")
        assert [await other.hit(Limit.CONTACT_REVEALS, key) for _ in range(2)] == [None, None]
    finally:
        await other_worker_state.close()
    async with client_at("198.51.100.60") as http:
        body = (await _post(http, REVEAL, {"id": await _role_id(dataset)})).json()
    expected = ["RATE_LIMITED"] if settings.redis_url else []
    assert _codes(body) == expected


@pytest.mark.shared_settings(bookings_per_hour=2)
async def test_bookings_per_guest_phone_and_retries_count_once(
    client_at: ClientAt, dataset: Dataset
) -> None:
    role_id = await _role_id(dataset)

    def booking(key: str, hour: int, phone: str = "+919800000001") -> dict[str, Any]:
        return {
            "input": {
                "practitionerRoleId": role_id,
                "slotStart": next_monday_slot(hour, 0),
                "idempotencyKey": key,
                "guest": {"name": "Guest One", "phone": phone},
            }
        }

    async with client_at("198.51.100.70") as http:
        first = [(await _post(http, BOOK, booking("limit-key-1", 9))).json() for _ in range(4)]
        assert [b["data"]["bookAppointment"]["created"] for b in first] == [True] + [False] * 3
        second = (await _post(http, BOOK, booking("limit-key-2", 10))).json()
        assert second["data"]["bookAppointment"]["created"] is True
        third = (await _post(http, BOOK, booking("limit-key-3", 11))).json()
        assert _codes(third) == ["RATE_LIMITED"]
        assert third["errors"][0]["extensions"]["retryAfter"] > 3000
        again = (await _post(http, BOOK, booking("limit-key-3", 11))).json()
        assert _codes(again) == ["RATE_LIMITED"]  # a refused key is judged again, not let by
        # Another guest from the same address (a clinic's front desk) books freely.
        other = (await _post(http, BOOK, booking("limit-key-4", 12, "+919800000002"))).json()
        assert other["data"]["bookAppointment"]["created"] is True
    assert await models.Appointment.all().count() == 3


@pytest.mark.shared_settings(reviews_per_hour=1)
async def test_reviews_per_patient(
    client_at: ClientAt, dataset: Dataset, settings: Settings
) -> None:
    people = await build_people(dataset, FieldCipher(settings.field_encryption_key))
    token = TokenService(settings).mint(Role.PATIENT, patient_id=people.a.id)
    headers = {"authorization": f"Bearer {token}"}
    # A's upcoming visit took place: two targets (doctor, hospital) left to review.
    await models.Appointment.filter(id=people.a_upcoming).update(status="HONOURED")

    def review(target: str) -> dict[str, Any]:
        appointment = to_global_id("Appointment", people.a_upcoming)
        return {
            "input": {
                "appointmentId": appointment,
                "target": target,
                "rating": 4,
                "recommend": True,
                "text": "Kind and on time.",
                "anonymous": True,
            }
        }

    async with client_at("198.51.100.80") as http:
        ok = (await _post(http, SUBMIT, review("PRACTITIONER"), headers=headers)).json()
        assert _codes(ok) == []
        repeat = (await _post(http, SUBMIT, review("PRACTITIONER"), headers=headers)).json()
        assert _codes(repeat) == ["CONFLICT"]  # refused before it counts
        limited = (await _post(http, SUBMIT, review("HOSPITAL"), headers=headers)).json()
        assert _codes(limited) == ["RATE_LIMITED"]
        assert limited["errors"][0]["extensions"]["limit"] == 1


async def test_readyz_reports_redis(http: Any, settings: Settings) -> None:
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "ok" if settings.redis_url else "off",
    }


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
@pytest.mark.shared_settings(redis_url="redis://127.0.0.1:9/0", client_requests_per_minute=5)
async def test_an_unreachable_redis_fails_readyz_but_not_requests(
    http: Any, app: Any, dataset: Dataset
) -> None:
    # Limits fail open (logged): the API keeps answering while Redis is away ...
    statuses = {(await _post(http, CITIES)).status_code for _ in range(8)}
    assert statuses == {200}  # over the budget of 5: nothing could count
    # ... and, after the first failure, skips Redis for a while instead of waiting on it.
    assert app.state.shared.usable() is False
    ready = await http.get("/readyz")  # readiness always really asks
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "database": "ok", "redis": "unreachable"}


def test_delete_prefix_helper_removes_only_its_prefix(redis_prefix: str) -> None:
    import redis

    from tests.shared.conftest import REDIS_URL, require_redis

    require_redis()
    client = redis.Redis.from_url(REDIS_URL)
    try:
        other = redis_prefix.rstrip(":") + "-other"  # shares a leading string, not the prefix
        client.set(redis_prefix + "a", b"1")
        client.set(other, b"1")
        assert delete_prefix(REDIS_URL, redis_prefix) == [(redis_prefix + "a").encode()]
        assert client.get(other) == b"1"
    finally:
        client.delete(other)
        client.close()
