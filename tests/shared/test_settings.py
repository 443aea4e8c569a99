"""The shared-state settings: read from HMSDESK_* variables, bad values named at start-up."""

from __future__ import annotations

import pytest

from hmsdesk_graph.config import ConfigError, load_settings


def test_shared_state_settings_are_read_and_checked() -> None:
    settings = load_settings(
        {
            "HMSDESK_REDIS_URL": "redis://127.0.0.1:6379/2",
            "HMSDESK_REDIS_KEY_PREFIX": "prod-eu:",
            "HMSDESK_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::/32",
            "HMSDESK_CLIENT_REQUESTS_PER_MINUTE": "0",
            "HMSDESK_ANONYMOUS_MANIFEST_ONLY": "true",
        }
    )
    assert settings.redis_key_prefix == "prod-eu:"
    assert settings.trusted_proxies == ("10.0.0.0/8", "2001:db8::/32")
    assert settings.client_requests_per_minute == 0 and settings.anonymous_manifest_only
    for name, raw in (
        ("HMSDESK_REDIS_KEY_PREFIX", "has space"),
        ("HMSDESK_REDIS_KEY_PREFIX", "x" * 65),
        ("HMSDESK_TRUSTED_PROXIES", "10.0.0.0/8, somewhere"),
        ("HMSDESK_BOOKINGS_PER_HOUR", "0"),
        ("HMSDESK_CLIENT_REQUESTS_PER_MINUTE", "-1"),
    ):
        with pytest.raises(ConfigError, match=name):
            load_settings({name: raw})
