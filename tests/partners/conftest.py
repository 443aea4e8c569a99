"""The app wired to a real partner sandbox on loopback, with short timeouts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.sandbox import RunningSandbox, start_sandbox
from tests.conftest import base_settings
from tests.factories import Dataset, build_dataset


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    running = await start_sandbox("127.0.0.1", 0)
    try:
        yield running
    finally:
        await running.close()


@pytest.fixture
def settings(database_url: str, sandbox: RunningSandbox) -> Settings:
    return base_settings(
        database_url=database_url,
        practice_url=sandbox.url,
        telephony_url=sandbox.url,
        messaging_url=sandbox.url,
        upstream_connect_timeout_s=0.3,
        upstream_read_timeout_s=0.8,
        upstream_total_timeout_s=1.0,
        request_budget_s=1.5,
        breaker_failure_threshold=3,
        breaker_reset_s=0.5,
        availability_cache_ttl_s=0,
        contact_reveals_per_hour=3,
    )


@pytest.fixture
async def dataset(app: Any, settings: Settings) -> Dataset:
    return await build_dataset(FieldCipher(settings.field_encryption_key))
