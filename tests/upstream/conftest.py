"""Upstream client tests run against the real partner sandbox on 127.0.0.1 (no mocks)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hmsdesk_graph.config import Settings, load_settings
from hmsdesk_graph.sandbox import RunningSandbox
from hmsdesk_graph.upstream import Upstreams

# Small timeouts keep the fault tests short; assertions use generous margins on top.
FAST: dict[str, Any] = {
    "env": "test",
    "upstream_connect_timeout_s": 0.3,
    "upstream_read_timeout_s": 0.5,
    "upstream_total_timeout_s": 1.0,
    "upstream_max_attempts": 3,
    "breaker_failure_threshold": 5,
    "breaker_reset_s": 0.2,
    "availability_cache_ttl_s": 0,
}


def upstream_settings(sandbox: RunningSandbox, **overrides: Any) -> Settings:
    """Settings pointing every partner service at ``sandbox``, with fast timeouts."""
    values = {
        **FAST,
        "practice_url": sandbox.url,
        "telephony_url": sandbox.url,
        "messaging_url": sandbox.url,
    }
    values.update(overrides)
    return load_settings({}, **values)


@pytest.fixture
async def upstreams(sandbox: RunningSandbox) -> AsyncIterator[Upstreams]:
    opened = await Upstreams.open(upstream_settings(sandbox))
    try:
        yield opened
    finally:
        await opened.close()
