"""Settings: read once from ``HMSDESK_*`` environment variables into one frozen object.

Kept our own (not pydantic-settings): a frozen dataclass and a few parsers, where the library
would bring pydantic into the project for this one module.
"""

from __future__ import annotations

import base64
import importlib
import ipaddress
import os
import re
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
    # Search-box text: checked before any work (typo correction is per word).
    search_text_max_chars: int = 200
    search_text_max_words: int = 12
    default_first: int = 20
    # Query cost budgets per viewer (hmsdesk_graph/cost.py): objects an operation may ask for.
    cost_budget_anonymous: int = 10_000
    cost_budget_patient: int = 10_000
    cost_budget_partner: int = 20_000
    cost_budget_staff: int = 50_000
    # Free text in arguments (hmsdesk_graph/text_limits.py), checked before any processing.
    text_max_chars: int = 500
    review_text_max_chars: int = 2000
    review_text_max_words: int = 400
    name_max_chars: int = 100
    name_max_words: int = 10
    # Wall-clock limit of one /graphql request; past it the request is cancelled (TIMEOUT).
    request_deadline_s: float = 10.0
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
    # Last good partner answers are served (marked stale) during outages up to this age; 0: never.
    stale_max_age_s: int = 600
    request_budget_s: float = 2.0
    # Identity and privacy (DESIGN §6).
    jwt_public_key: str | None = None  # PEM; when set, RS256 tokens are accepted too
    token_ttl_s: int = 3600
    review_reply_window_h: float = 72.0
    review_publish_interval_s: float = 300.0  # server workers publish due reviews; 0: off
    instant_booking_min_honoured_rate: float = 0.8
    instant_booking_min_outcomes: int = 10
    no_show_limit: int = 3
    contact_reveals_per_hour: int = 10
    # Shared state (issue 11): Redis when HMSDESK_REDIS_URL is set, this process otherwise.
    redis_key_prefix: str = "hmsdesk:"  # every key; lets tests and deployments share a server
    bookings_per_hour: int = 10  # bookAppointment per viewer (guests: per client address)
    reviews_per_hour: int = 10  # submitReview per patient
    client_requests_per_minute: int = 1200  # /graphql requests per client; 0: no budget
    trusted_proxies: tuple[str, ...] = ()  # networks whose X-Forwarded-For is believed
    persisted_operations_file: str | None = None  # None: schema/persisted-operations.json
    apq_ttl_s: int = 7 * 24 * 3600  # how long an APQ registration is kept
    anonymous_manifest_only: bool = False  # anonymous viewers may run manifest documents only
    public_max_age_s: int = 60  # Cache-Control max-age of public persisted GETs
    public_stale_while_revalidate_s: int = 300
    response_cache_ttl_s: int = 60  # public query results; 0: no response cache
    cache_status_header: bool | None = None  # X-HMSDESK-Cache HIT/MISS; None: development only
    # Operations (README "Running in production").
    log_format: str | None = None  # json | text; None: json in production, text elsewhere
    cors_allow_origins: tuple[str, ...] = ()  # empty: no CORS headers, browsers stay same-origin
    cors_allow_methods: tuple[str, ...] = ("GET", "POST")
    cors_allow_headers: tuple[str, ...] = (
        "Authorization",
        "Content-Type",
        "X-Access-Purpose",
        "X-Client-Channel",
        "X-HMSDESK-Client",
        "X-Request-ID",
    )
    cors_max_age_s: int = 600
    metrics_token: str | None = None  # scrapers send it as a bearer token
    metrics_allow_from: tuple[str, ...] | None = None  # networks; None: loopback outside prod
    prometheus_multiproc_dir: str | None = None  # PROMETHEUS_MULTIPROC_DIR (standard name)
    operations_dir: str | None = None  # the committed operations; None: schema/operations
    # Committed operations sent verbatim run on their compiled plan (issue 10); off: always the
    # general executor.
    compiled_operations: bool = True
    explorer_enabled: bool | None = None  # None: on in development only
    otel_traces_exporter: str | None = None  # OTEL_TRACES_EXPORTER: otlp | console | none
    otel_sdk_disabled: bool = False  # OTEL_SDK_DISABLED
    # Objects allocated between young garbage collections (Python's default: 700); startup's
    # objects are frozen out of collections too (ops/collector.py). 0: leave the collector as is.
    gc_young_threshold: int = 10_000

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

    @property
    def metrics_networks(self) -> tuple[str, ...]:
        """Who may scrape /metrics without the token: loopback by default, nobody in production
        (behind a proxy on the same host every client looks like loopback)."""
        if self.metrics_allow_from is not None:
            return self.metrics_allow_from
        return () if self.is_production else ("127.0.0.1/32", "::1/128")

    @property
    def cache_status_on(self) -> bool:
        """Whether responses say HIT or MISS (header and extensions.cache)."""
        return self.is_development if self.cache_status_header is None else self.cache_status_header

    @property
    def explorer_on(self) -> bool:
        return self.is_development if self.explorer_enabled is None else self.explorer_enabled


N = TypeVar("N", int, float)


def _parse_bounded(
    convert: Callable[[str], N], what: str, low: N, high: N
) -> Callable[[str, str], N]:
    def parse(name: str, raw: str) -> N:
        try:
            value = convert(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not {what}") from None
        if not low <= value <= high:
            raise ConfigError(f"{name}={raw!r} must be between {low} and {high}")
        return value

    return parse


def _parse_int(low: int, high: int) -> Callable[[str, str], int]:
    return _parse_bounded(int, "a whole number", low, high)


def _parse_float(low: float, high: float) -> Callable[[str, str], float]:
    return _parse_bounded(float, "a number", low, high)


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


def _checked(ok: Callable[[str], object], problem: str) -> Callable[[str, str], str]:
    """A parser that keeps the value as written when `ok(raw)` holds; else the error says
    `problem` (a format string of `name` and `raw`; secrets leave `raw` out)."""

    def parse(name: str, raw: str) -> str:
        if not ok(raw):
            raise ConfigError(problem.format(name=name, raw=raw))
        return raw

    return parse


def _parse_choice(*choices: str) -> Callable[[str, str], str]:
    return _checked(
        choices.__contains__, f"{{name}}={{raw!r}} must be one of: {', '.join(choices)}"
    )


_parse_db_url = _checked(
    lambda raw: urlsplit(raw).scheme in {"sqlite", "postgres", "postgresql", "asyncpg"},
    "{name}={raw!r} must be a sqlite:// or postgres:// URL",
)
_parse_redis_url = _checked(
    lambda raw: urlsplit(raw).scheme in {"redis", "rediss", "unix"},
    "{name}={raw!r} must be a redis:// URL",
)
_parse_key_prefix = _checked(
    re.compile(r"[A-Za-z0-9_.:{}-]{1,64}").fullmatch,
    "{name}={raw!r} must be 1-64 of A-Z a-z 0-9 _ . : - {{ }}",
)
_parse_secret = _checked(lambda raw: len(raw) >= 32, "{name} must be at least 32 characters long")


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


_parse_pem = _checked(
    lambda raw: "-----BEGIN PUBLIC KEY-----" in raw,
    "{name} must be a PEM public key (-----BEGIN PUBLIC KEY-----)",
)


def _text(name: str, raw: str) -> str:
    return raw


def _parse_list(item: Callable[[str, str], str]) -> Callable[[str, str], tuple[str, ...]]:
    def parse(name: str, raw: str) -> tuple[str, ...]:
        return tuple(item(name, part.strip()) for part in raw.split(",") if part.strip())

    return parse


def _parse_origin(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if raw != "*" and (
        parts.scheme not in {"http", "https"} or not parts.hostname or parts.path or parts.query
    ):
        raise ConfigError(f"{name}: {raw!r} is not an origin (https://host[:port], or *)")
    return raw


_parse_token_name = _checked(
    re.compile(r"[A-Za-z0-9-]+|\*").fullmatch, "{name}: {raw!r} is not a header or method name"
)


def _parse_network(name: str, raw: str) -> str:
    try:
        return str(ipaddress.ip_network(raw, strict=False))
    except ValueError:
        raise ConfigError(f"{name}: {raw!r} is not an IP address or network") from None


_parse_metrics_token = _checked(
    lambda raw: len(raw) >= 16, "{name} must be at least 16 characters long"
)


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
    "search_text_max_chars": _parse_int(1, 10_000),
    "search_text_max_words": _parse_int(1, 200),
    "default_first": _parse_int(1, 1000),
    "cost_budget_anonymous": _parse_int(1, 10_000_000),
    "cost_budget_patient": _parse_int(1, 10_000_000),
    "cost_budget_partner": _parse_int(1, 10_000_000),
    "cost_budget_staff": _parse_int(1, 10_000_000),
    "text_max_chars": _parse_int(16, 100_000),
    "review_text_max_chars": _parse_int(1, 100_000),
    "review_text_max_words": _parse_int(1, 20_000),
    "name_max_chars": _parse_int(1, 1000),
    "name_max_words": _parse_int(1, 100),
    "request_deadline_s": _parse_float(0.05, 600),
    "max_body_bytes": _parse_int(1024, 64 * 1024 * 1024),
    "db_pool_size": _parse_int(1, 1000),
    "statement_timeout_ms": _parse_int(0, 3_600_000),
    "sqlite_busy_timeout_ms": _parse_int(0, 600_000),
    "log_level": _parse_choice("DEBUG", "INFO", "WARNING", "ERROR"),
    "count_statements": _parse_bool,
    "compiled_operations": _parse_bool,
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
    "stale_max_age_s": _parse_int(0, 86_400),
    "request_budget_s": _parse_float(0.05, 60),
    "jwt_public_key": _parse_pem,
    "token_ttl_s": _parse_int(60, 30 * 24 * 3600),
    "review_reply_window_h": _parse_float(0, 24 * 60),
    "review_publish_interval_s": _parse_float(0, 86_400),
    "instant_booking_min_honoured_rate": _parse_float(0, 1),
    "instant_booking_min_outcomes": _parse_int(1, 10_000),
    "no_show_limit": _parse_int(1, 100),
    "contact_reveals_per_hour": _parse_int(1, 10_000),
    "redis_key_prefix": _parse_key_prefix,
    "bookings_per_hour": _parse_int(1, 10_000),
    "reviews_per_hour": _parse_int(1, 10_000),
    "client_requests_per_minute": _parse_int(0, 1_000_000),
    "trusted_proxies": _parse_list(_parse_network),
    "apq_ttl_s": _parse_int(60, 365 * 24 * 3600),
    "anonymous_manifest_only": _parse_bool,
    "public_max_age_s": _parse_int(0, 86_400),
    "public_stale_while_revalidate_s": _parse_int(0, 7 * 86_400),
    "response_cache_ttl_s": _parse_int(0, 86_400),
    "cache_status_header": _parse_bool,
    "log_format": _parse_choice("json", "text"),
    "cors_allow_origins": _parse_list(_parse_origin),
    "cors_allow_methods": _parse_list(_parse_token_name),
    "cors_allow_headers": _parse_list(_parse_token_name),
    "cors_max_age_s": _parse_int(0, 86_400),
    "metrics_token": _parse_metrics_token,
    "metrics_allow_from": _parse_list(_parse_network),
    "explorer_enabled": _parse_bool,
    "otel_sdk_disabled": _parse_bool,
    "gc_young_threshold": _parse_int(0, 10_000_000),
}

# Settings read from a variable with a standard name rather than HMSDESK_*.
_STANDARD_NAMES = {
    "prometheus_multiproc_dir": "PROMETHEUS_MULTIPROC_DIR",
    "otel_traces_exporter": "OTEL_TRACES_EXPORTER",
    "otel_sdk_disabled": "OTEL_SDK_DISABLED",
}


def env_name(field_name: str) -> str:
    """The environment variable that sets a settings field."""
    return _STANDARD_NAMES.get(field_name) or "HMSDESK_" + field_name.upper()


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


def _check_postgres_driver(settings: Settings) -> None:
    """PostgreSQL needs the `postgres` extra (asyncpg): say so in one line, not a traceback."""
    if settings.is_sqlite and (settings.read_database_url or "sqlite").startswith("sqlite"):
        return
    try:
        importlib.import_module("asyncpg")
    except ImportError:
        raise ConfigError(
            "HMSDESK_DATABASE_URL names PostgreSQL but its driver (asyncpg) is not installed:"
            " pip install 'hmsdesk-graph[postgres]'"
        ) from None


def _check_consistency(settings: Settings) -> None:
    _check_postgres_driver(settings)
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
