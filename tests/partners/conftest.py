"""The app wired to a real partner sandbox on loopback, with short timeouts."""

from __future__ import annotations

from typing import Any

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.sandbox import RunningSandbox
from tests.conftest import SHORT_PARTNER_TIMEOUTS, sandbox_settings
from tests.factories import Dataset, build_dataset


@pytest.fixture
def settings(database_url: str, sandbox: RunningSandbox) -> Settings:
    return sandbox_settings(
        database_url,
        sandbox,
        **SHORT_PARTNER_TIMEOUTS,
        breaker_failure_threshold=3,
        breaker_reset_s=0.5,
        availability_cache_ttl_s=0,
        contact_reveals_per_hour=3,
    )


@pytest.fixture
async def dataset(app: Any, settings: Settings) -> Dataset:
    return await build_dataset(FieldCipher(settings.field_encryption_key))
