"""Settings: one frozen object; bad values stop start-up naming the variable and the value."""

from __future__ import annotations

import dataclasses

import pytest

from hmsdesk_graph.config import ConfigError, Settings, load_settings

PROD_KEY = "x" * 40
PROD_FERNET = "ZmVybmV0LWtleS1mb3ItdGVzdHMtMzItYnl0ZXMhISE="  # 32 bytes, base64


def test_defaults_are_the_design_limits() -> None:
    s = load_settings({})
    assert (s.max_depth, s.max_aliases, s.max_tokens, s.max_first, s.default_first) == (
        10,
        15,
        2000,
        100,
        20,
    )
    assert s.max_body_bytes == 1024 * 1024
    assert s.database_url.startswith("sqlite://")
    assert s.is_development


def test_settings_are_frozen() -> None:
    s = load_settings({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.max_depth = 99  # type: ignore[misc]


def test_reads_hmsdesk_variables() -> None:
    s = load_settings({"HMSDESK_MAX_DEPTH": "12", "HMSDESK_COUNT_STATEMENTS": "true"})
    assert s.max_depth == 12 and s.count_statements is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HMSDESK_MAX_DEPTH", "ten"),
        ("HMSDESK_MAX_DEPTH", "0"),
        ("HMSDESK_ENV", "staging"),
        ("HMSDESK_DATABASE_URL", "mysql://x"),
        ("HMSDESK_REDIS_URL", "http://x"),
        ("HMSDESK_COUNT_STATEMENTS", "maybe"),
        ("HMSDESK_FIELD_ENCRYPTION_KEY", "short"),
    ],
)
def test_bad_value_names_variable_and_value(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({name: value})
    assert name in str(info.value)
    if name != "HMSDESK_FIELD_ENCRYPTION_KEY":  # never echo (even a bad) secret
        assert value in str(info.value)


def test_production_refuses_development_secrets() -> None:
    base = {"HMSDESK_ENV": "production", "HMSDESK_DATABASE_URL": "postgres://h/db"}
    with pytest.raises(ConfigError, match="HMSDESK_SECRET_KEY"):
        load_settings(base)
    with pytest.raises(ConfigError, match="HMSDESK_FIELD_ENCRYPTION_KEY"):
        load_settings({**base, "HMSDESK_SECRET_KEY": PROD_KEY})
    s = load_settings(
        {**base, "HMSDESK_SECRET_KEY": PROD_KEY, "HMSDESK_FIELD_ENCRYPTION_KEY": PROD_FERNET}
    )
    assert isinstance(s, Settings) and s.is_production
    assert not s.introspection_enabled
