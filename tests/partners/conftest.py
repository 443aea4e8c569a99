"""The app wired to a real partner sandbox on loopback, with short timeouts."""

from __future__ import annotations

from typing import Any

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.sandbox import RunningSandbox
from tests.conftest import SHORT_PARTNER_TIMEOUTS, sandbox_settings
from tests.factories import Dataset, build_dataset

# For tests whose assertion needs the partner's live answer: on a loaded CI machine a loopback
# call can take longer than the short timeouts, and the answer would fall back instead.
PATIENT_PARTNER_TIMEOUTS: dict[str, object] = {
    "upstream_connect_timeout_s": 2.0,
    "upstream_read_timeout_s": 5.0,
    "upstream_total_timeout_s": 6.0,
    "request_budget_s": 8.0,
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "partner_settings(**kw): settings for tests/partners apps")


@pytest.fixture
def settings(
    request: pytest.FixtureRequest, database_url: str, sandbox: RunningSandbox
) -> Settings:
    overrides: dict[str, Any] = {
        **SHORT_PARTNER_TIMEOUTS,
        "breaker_failure_threshold": 3,
        "breaker_reset_s": 0.5,
        "availability_cache_ttl_s": 0,
        "contact_reveals_per_hour": 3,
    }
    marker = request.node.get_closest_marker("partner_settings")
    overrides.update(marker.kwargs if marker else {})
    return sandbox_settings(database_url, sandbox, **overrides)


@pytest.fixture
async def dataset(app: Any, settings: Settings) -> Dataset:
    return await build_dataset(FieldCipher(settings.field_encryption_key))
