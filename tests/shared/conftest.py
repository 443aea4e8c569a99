"""Shared-state tests run twice: in-process (no Redis) and on the real Redis at 127.0.0.1:6379.

Each Redis run uses a key prefix of its own (removed afterwards), so tests, parallel runs and
other deployments on the same server never see each other's keys. Without a reachable Redis the
Redis half skips, except under CI=true, where it fails (.ci/run starts Redis).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.sandbox import RunningSandbox
from tests.conftest import base_settings
from tests.factories import Dataset, build_dataset

REDIS_URL = os.environ.get("HMSDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

ClientAt = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "shared_settings(**kw): settings for tests/shared apps")


def redis_reachable(url: str = REDIS_URL) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 1).close()
    except OSError:
        return False
    return True


def require_redis() -> str:
    """The test Redis URL; skip (fail under CI=true) when nothing answers there."""
    if not redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is unreachable and CI=true")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable (.ci/run starts one)")
    return REDIS_URL


def delete_prefix(url: str, prefix: str) -> list[bytes]:
    """Delete every key under `prefix`; returns the keys that were there."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        if keys:
            client.delete(*keys)
        return keys
    finally:
        client.close()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix for this test alone; its keys are deleted afterwards."""
    prefix = f"hmsdesk-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    if redis_reachable():
        delete_prefix(REDIS_URL, prefix)


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest, redis_prefix: str) -> dict[str, Any]:
    """Settings that pick the shared-state backend: in-process, or Redis with a unique prefix."""
    if request.param == "memory":
        return {"redis_url": None, "redis_key_prefix": redis_prefix}
    return {"redis_url": require_redis(), "redis_key_prefix": redis_prefix}


@pytest.fixture
def settings(
    request: pytest.FixtureRequest,
    database_url: str,
    sandbox: RunningSandbox,
    backend: dict[str, Any],
) -> Settings:
    marker = request.node.get_closest_marker("shared_settings")
    overrides: dict[str, Any] = {
        "database_url": database_url,
        "practice_url": sandbox.url,
        "telephony_url": sandbox.url,
        "messaging_url": sandbox.url,
        "availability_cache_ttl_s": 0,
        "response_cache_ttl_s": 60,  # on here (tests/conftest.py turns it off elsewhere)
        **backend,
        **(marker.kwargs if marker else {}),
    }
    return base_settings(**overrides)


@pytest.fixture
async def dataset(app: Any, settings: Settings) -> Dataset:
    return await build_dataset(FieldCipher(settings.field_encryption_key))


@pytest.fixture
def client_at(app: Any) -> ClientAt:
    """`async with client_at("203.0.113.7") as http:` — the app reached from that address."""

    @asynccontextmanager
    async def open_client(address: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c

    return open_client
