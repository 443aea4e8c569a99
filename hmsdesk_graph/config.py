"""Settings: read once from ``HMSDESK_*`` environment variables into one frozen object."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")

# Development-only secrets: usable out of the box, refused in production.
DEV_SECRET_KEY = "dev-secret-key-do-not-use-in-production-0000000000"
DEV_FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(b"hmsdesk-dev-field-key-32-bytes!!").decode()


class ConfigError(ValueError):
    """A configuration variable has a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the defaults of DESIGN §7."""

    env: str = "development"
    database_url: str = "sqlite://hmsdesk.sqlite3"
    read_database_url: str | None = None
    redis_url: str | None = None
    secret_key: str = DEV_SECRET_KEY
    field_encryption_key: str = DEV_FIELD_ENCRYPTION_KEY
    max_depth: int = 10
    max_aliases: int = 15
    max_tokens: int = 2000
    max_directives: int = 50
    max_first: int = 100
    default_first: int = 20
    max_body_bytes: int = 1024 * 1024
    db_pool_size: int = 32
    statement_timeout_ms: int = 5000
    sqlite_busy_timeout_ms: int = 5000
    log_level: str = "INFO"
    count_statements: bool = False
    # Partner services (DESIGN §8); the defaults point at `hmsdesk-graph partner-sandbox`.
    practice_url: str = "http://127.0.0.1:8100"
    telephony_url: str = "http://127.0.0.1:8100"
    messaging_url: str = "http://127.0.0.1:8100"
    upstream_connect_timeout_s: float = 0.5
    upstream_read_timeout_s: float = 1.5
    upstream_total_timeout_s: float = 2.0
    upstream_max_connections_per_host: int = 32
    upstream_max_response_bytes: int = 4 * 1024 * 1024
    upstream_max_attempts: int = 3
    breaker_failure_threshold: int = 5
    breaker_reset_s: float = 10.0
    availability_cache_ttl_s: float = 30.0
    request_budget_s: float = 2.0
    # Identity and privacy (DESIGN §6).
    jwt_public_key: str | None = None  # PEM; when set, RS256 tokens are accepted too
    token_ttl_s: int = 3600
    review_reply_window_h: float = 72.0
    instant_booking_min_honoured_rate: float = 0.8
    instant_booking_min_outcomes: int = 10
    no_show_limit: int = 3
    contact_reveals_per_hour: int = 10

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def introspection_enabled(self) -> bool:
        return self.is_development


def _parse_int(low: int, high: int) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not a whole number") from None
        if not low <= value <= high:
            raise ConfigError(f"{name}={raw!r} must be between {low} and {high}")
        return value

    return parse


def _parse_float(low: float, high: float) -> Callable[[str, str], float]:
    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not a number") from None
        if not low <= value <= high:
            raise ConfigError(f"{name}={raw!r} must be between {low} and {high}")
        return value

    return parse


def _parse_http_url(name: str, raw: str) -> str:
    if urlsplit(raw).scheme not in {"http", "https"} or not urlsplit(raw).hostname:
        raise ConfigError(f"{name}={raw!r} must be an http:// or https:// URL")
    return raw.rstrip("/")


def _parse_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use true or false)")


def _parse_choice(*choices: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        if raw not in choices:
            raise ConfigError(f"{name}={raw!r} must be one of: {', '.join(choices)}")
        return raw

    return parse


def _parse_db_url(name: str, raw: str) -> str:
    scheme = urlsplit(raw).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "asyncpg"}:
        raise ConfigError(f"{name}={raw!r} must be a sqlite:// or postgres:// URL")
    return raw


def _parse_redis_url(name: str, raw: str) -> str:
    if urlsplit(raw).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(f"{name}={raw!r} must be a redis:// URL")
    return raw


def _parse_secret(name: str, raw: str) -> str:
    if len(raw) < 32:
        raise ConfigError(f"{name} must be at least 32 characters long")
    return raw


def _parse_fernet_key(name: str, raw: str) -> str:
    try:
        decoded = base64.urlsafe_b64decode(raw.encode())
    except (ValueError, TypeError):
        decoded = b""
    if len(decoded) != 32:
        raise ConfigError(
            f"{name} must be a url-safe base64 encoding of 32 bytes "
            "(generate one with: python -c 'import base64,os; "
            "print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
        )
    return raw


def _parse_pem(name: str, raw: str) -> str:
    if "-----BEGIN PUBLIC KEY-----" not in raw:
        raise ConfigError(f"{name} must be a PEM public key (-----BEGIN PUBLIC KEY-----)")
    return raw


def _text(name: str, raw: str) -> str:
    return raw


_PARSERS: dict[str, Callable[[str, str], Any]] = {
    "env": _parse_choice("development", "test", "production"),
    "database_url": _parse_db_url,
    "read_database_url": _parse_db_url,
    "redis_url": _parse_redis_url,
    "secret_key": _parse_secret,
    "field_encryption_key": _parse_fernet_key,
    "max_depth": _parse_int(1, 100),
    "max_aliases": _parse_int(0, 1000),
    "max_tokens": _parse_int(50, 100_000),
    "max_directives": _parse_int(0, 1000),
    "max_first": _parse_int(1, 1000),
    "default_first": _parse_int(1, 1000),
    "max_body_bytes": _parse_int(1024, 64 * 1024 * 1024),
    "db_pool_size": _parse_int(1, 1000),
    "statement_timeout_ms": _parse_int(0, 3_600_000),
    "sqlite_busy_timeout_ms": _parse_int(0, 600_000),
    "log_level": _parse_choice("DEBUG", "INFO", "WARNING", "ERROR"),
    "count_statements": _parse_bool,
    "practice_url": _parse_http_url,
    "telephony_url": _parse_http_url,
    "messaging_url": _parse_http_url,
    "upstream_connect_timeout_s": _parse_float(0.01, 60),
    "upstream_read_timeout_s": _parse_float(0.01, 300),
    "upstream_total_timeout_s": _parse_float(0.01, 300),
    "upstream_max_connections_per_host": _parse_int(1, 1000),
    "upstream_max_response_bytes": _parse_int(1024, 1024**3),
    "upstream_max_attempts": _parse_int(1, 10),
    "breaker_failure_threshold": _parse_int(1, 1000),
    "breaker_reset_s": _parse_float(0.01, 3600),
    "availability_cache_ttl_s": _parse_float(0, 3600),
    "request_budget_s": _parse_float(0.05, 60),
    "jwt_public_key": _parse_pem,
    "token_ttl_s": _parse_int(60, 30 * 24 * 3600),
    "review_reply_window_h": _parse_float(0, 24 * 60),
    "instant_booking_min_honoured_rate": _parse_float(0, 1),
    "instant_booking_min_outcomes": _parse_int(1, 10_000),
    "no_show_limit": _parse_int(1, 100),
    "contact_reveals_per_hour": _parse_int(1, 10_000),
}


def env_name(field_name: str) -> str:
    """The environment variable that sets a settings field."""
    return "HMSDESK_" + field_name.upper()


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build Settings from the environment; raise ConfigError naming the bad variable."""
    source = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        name = env_name(f.name)
        raw = source.get(name)
        if raw is None or raw == "":
            continue
        values[f.name] = _PARSERS.get(f.name, _text)(name, raw)
    values.update(overrides)
    settings = Settings(**values)
    _check_consistency(settings)
    return settings


def _check_consistency(settings: Settings) -> None:
    if settings.default_first > settings.max_first:
        raise ConfigError(
            f"HMSDESK_DEFAULT_FIRST={settings.default_first} exceeds "
            f"HMSDESK_MAX_FIRST={settings.max_first}"
        )
    if settings.is_production:
        if settings.secret_key == DEV_SECRET_KEY:
            raise ConfigError(
                "HMSDESK_SECRET_KEY is the development secret: set a real one in production"
            )
        if settings.field_encryption_key == DEV_FIELD_ENCRYPTION_KEY:
            raise ConfigError(
                "HMSDESK_FIELD_ENCRYPTION_KEY is the development key: set a real one in production"
            )
        if settings.is_sqlite:
            raise ConfigError(
                f"HMSDESK_DATABASE_URL={settings.database_url!r}: production needs PostgreSQL"
            )
