"""Two `hmsdesk-graph serve` processes on one database and one Redis: a rate limit holds
across both, a persisted query registered through one runs in the other, and a write through
one invalidates the cached answer in the other."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.http.persisted import default_manifest_path, load_manifest
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.sandbox import RunningSandbox
from tests.factories import build_dataset
from tests.privacy.people import build_people

ROOT = Path(__file__).resolve().parents[2]
REVEAL = "mutation($id: ID!) { revealContactNumber(practitionerRoleId: $id) { number } }"
DOC = "query TwoProcesses { cities { slug name } }"
DOC_HASH = hashlib.sha256(DOC.encode()).hexdigest()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _servers(settings: Settings, sandbox: RunningSandbox, count: int) -> Iterator[list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HMSDESK_")}
    env.update(
        {
            "HMSDESK_ENV": "test",
            "HMSDESK_DATABASE_URL": settings.database_url,
            "HMSDESK_REDIS_URL": settings.redis_url or "",
            "HMSDESK_REDIS_KEY_PREFIX": settings.redis_key_prefix,
            "HMSDESK_PRACTICE_URL": sandbox.url,
            "HMSDESK_TELEPHONY_URL": sandbox.url,
            "HMSDESK_MESSAGING_URL": sandbox.url,
            "HMSDESK_CONTACT_REVEALS_PER_HOUR": "10",
            "HMSDESK_CLIENT_REQUESTS_PER_MINUTE": "40",
            "HMSDESK_TRUSTED_PROXIES": "127.0.0.1/32",  # the test plays the proxy
            "HMSDESK_REVIEW_PUBLISH_INTERVAL_S": "0",
            "HMSDESK_LOG_LEVEL": "WARNING",
            "HMSDESK_CACHE_STATUS_HEADER": "true",
        }
    )
    ports = [_free_port() for _ in range(count)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "hmsdesk_graph", "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


async def _wait_ready(http: httpx.AsyncClient, base: str) -> dict[str, Any]:
    for _ in range(300):  # the sandbox answers from this loop, so wait without blocking it
        with contextlib.suppress(httpx.HTTPError):
            ready = await http.get(f"{base}/readyz", timeout=1)
            if ready.status_code == 200:
                body: dict[str, Any] = ready.json()
                return body
        await asyncio.sleep(0.2)
    raise AssertionError(f"{base} never became ready")


@pytest.mark.parametrize("backend", ["redis"], indirect=True)
async def test_two_server_processes_share_limits_and_registrations(
    db: Settings, sandbox: RunningSandbox
) -> None:
    settings = db
    dataset = await build_dataset(FieldCipher(settings.field_encryption_key))
    role = await models.PractitionerRole.get(practitioner_id=dataset.profile_id)
    role_id = to_global_id("PractitionerRole", role.pk)
    with _servers(settings, sandbox, 2) as (a, b):
        async with httpx.AsyncClient(timeout=10) as http:
            for base in (a, b):
                assert (await _wait_ready(http, base))["redis"] == "ok"

            # 30 reveals by one anonymous client, alternating between the processes.
            client = {"x-forwarded-for": "203.0.113.10"}
            reveals: Counter[tuple[str, str]] = Counter()
            for i in range(30):
                base = (a, b)[i % 2]
                answer = await http.post(
                    f"{base}/graphql",
                    json={"query": REVEAL, "variables": {"id": role_id}},
                    headers=client,
                )
                errors = answer.json().get("errors") or []
                outcome = errors[0]["extensions"]["code"] if errors else "ok"
                reveals[("A" if base == a else "B", outcome)] += 1
            allowed = reveals[("A", "ok")] + reveals[("B", "ok")]
            print(
                f"\ntwo processes: contact reveals allowed {allowed} of 30 (limit 10): {dict(reveals)}"
            )
            assert allowed == 10
            assert reveals[("A", "ok")] > 0 and reveals[("B", "ok")] > 0  # both took part
            assert reveals[("A", "RATE_LIMITED")] + reveals[("B", "RATE_LIMITED")] == 20

            # The request budget (40 a minute) of another client, over both processes.
            budget: Counter[int] = Counter()
            retry_after: set[str] = set()
            for i in range(50):
                answer = await http.post(
                    f"{(a, b)[i % 2]}/graphql",
                    json={"query": "{ cities { slug } }"},
                    headers={"x-forwarded-for": "203.0.113.11"},
                )
                budget[answer.status_code] += 1
                if answer.status_code == 429:
                    retry_after.add(answer.headers["retry-after"])
            print(f"two processes: request budget 40/min, 50 requests: {dict(budget)}")
            assert budget == {200: 40, 429: 10}
            assert all(1 <= int(r) <= 60 for r in retry_after)

            # An APQ registration through A runs by its hash in B.
            ext = {"persistedQuery": {"version": 1, "sha256Hash": DOC_HASH}}
            before = await http.post(f"{b}/graphql", json={"extensions": ext})
            assert before.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
            registered = await http.post(f"{a}/graphql", json={"query": DOC, "extensions": ext})
            assert registered.status_code == 200
            in_b = await http.post(f"{b}/graphql", json={"extensions": ext})
            print(f"two processes: APQ registered in A, run by hash in B: {in_b.status_code}")
            assert in_b.status_code == 200
            assert (
                in_b.json()["data"] == registered.json()["data"] and in_b.json()["data"]["cities"]
            )


HOSPITAL = next(
    e.body for e in load_manifest(default_manifest_path()).values() if e.name == "hospitalProfile"
)
DEACTIVATE = "mutation { deactivateMyAccount(confirm: true) { deactivated } }"


@pytest.mark.parametrize("backend", ["memory", "redis"], indirect=True)
async def test_a_write_through_one_process_invalidates_the_cache_of_the_other(
    db: Settings, sandbox: RunningSandbox
) -> None:
    settings = db
    dataset = await build_dataset(FieldCipher(settings.field_encryption_key))
    people = await build_people(dataset, FieldCipher(settings.field_encryption_key))
    patient = TokenService(settings).mint(Role.PATIENT, patient_id=people.a.id)
    profile = {"query": HOSPITAL, "variables": {"slug": dataset.hospital_slug}}
    mode = "redis" if settings.redis_url else "in-process"
    with _servers(settings, sandbox, 2) as (a, b):
        async with httpx.AsyncClient(timeout=10) as http:
            for base in (a, b):
                await _wait_ready(http, base)
            seen = [await http.post(f"{base}/graphql", json=profile) for base in (b, b, a)]
            # On Redis both share one store (A finds what B kept); in-process each keeps its own.
            in_a = "HIT" if settings.redis_url else "MISS"
            assert [r.headers["x-hmsdesk-cache"] for r in seen] == ["MISS", "HIT", in_a]
            assert all("Ananya D." in r.text for r in seen)

            wrote = await http.post(
                f"{a}/graphql",
                json={"query": DEACTIVATE},
                headers={"authorization": f"Bearer {patient}"},
            )
            written_at = time.perf_counter()
            assert wrote.json()["data"]["deactivateMyAccount"]["deactivated"] is True
            # Generous bound; the write invalidates before A answers, so B's next read misses.
            while True:
                in_b = await http.post(f"{b}/graphql", json=profile)
                delay_ms = (time.perf_counter() - written_at) * 1000
                if in_b.headers["x-hmsdesk-cache"] == "MISS" or delay_ms > 5000:
                    break
                await asyncio.sleep(0.01)
            print(
                f"\ntwo processes ({mode} cache): write through A, B's cached answer gone after"
                f" {delay_ms:.1f} ms (first read after the write: {in_b.headers['x-hmsdesk-cache']})"
            )
            assert in_b.headers["x-hmsdesk-cache"] == "MISS"
            assert delay_ms < 5000
            assert "Ananya" not in in_b.text
            assert "Ananya" not in (await http.post(f"{a}/graphql", json=profile)).text
