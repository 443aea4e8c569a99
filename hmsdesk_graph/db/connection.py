"""Opening and closing the database: tortoise configuration built from Settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import statements

APP_LABEL = "hmsdesk"
MODELS_MODULE = "hmsdesk_graph.db.models"
MIGRATIONS_MODULE = "hmsdesk_graph.db.migrations"


async def _no_reset(connection: Any) -> None:
    """asyncpg's default pool reset costs a round trip per query (DESIGN §9); nothing to reset."""


def _sqlite_credentials(url: str, settings: Settings) -> dict[str, Any]:
    parts = urlsplit(url)
    path = unquote((parts.netloc + parts.path) if parts.netloc else parts.path)
    if path.startswith("//"):
        path = path[1:]
    return {
        "engine": "tortoise.backends.sqlite",
        "credentials": {
            "file_path": path or ":memory:",
            "journal_mode": "WAL",
            "busy_timeout": settings.sqlite_busy_timeout_ms,
            "synchronous": "NORMAL",
            "foreign_keys": "ON",
        },
    }


def _postgres_credentials(url: str, settings: Settings) -> dict[str, Any]:
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    # JIT compilation added 0.7-2 s to search plans on the medium dataset; short OLTP queries
    # never win it back.
    # No parallel workers: one request's statement must not take the cores the other requests
    # (and the app) run on; the facet and count plans gained nothing from them on medium data.
    # plan_cache_mode stays `auto`: forcing custom plans cost the hospital listing ~4 ms of
    # PostgreSQL a request (its statements are large to plan). A search statement must have a
    # sane generic plan: one that joined its text matches twice had a 3-4 s one on medium data.
    server_settings = {
        "application_name": "hmsdesk-graph",
        "jit": "off",
        "max_parallel_workers_per_gather": "0",
    }
    if settings.statement_timeout_ms:
        server_settings["statement_timeout"] = str(settings.statement_timeout_ms)
    return {
        "engine": "tortoise.backends.asyncpg",
        "credentials": {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "user": unquote(parts.username or "postgres"),
            "password": unquote(parts.password or ""),
            "database": parts.path.lstrip("/") or "postgres",
            "minsize": int(query.get("minsize", 1)),
            "maxsize": int(query.get("maxsize", settings.db_pool_size)),
            "reset": _no_reset,
            "server_settings": server_settings,
        },
    }


def connection_config(url: str, settings: Settings) -> dict[str, Any]:
    """Tortoise's connection entry for a database URL."""
    if url.startswith("sqlite"):
        return _sqlite_credentials(url, settings)
    return _postgres_credentials(url, settings)


def tortoise_config(settings: Settings, url: str | None = None) -> dict[str, Any]:
    """The whole tortoise configuration: one app, a default and an optional read connection."""
    db_url = url or settings.database_url
    conns: dict[str, Any] = {"default": connection_config(db_url, settings)}
    if settings.read_database_url and url is None:
        conns["replica"] = connection_config(settings.read_database_url, settings)
    return {
        "connections": conns,
        "apps": {
            APP_LABEL: {
                "models": [MODELS_MODULE],
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def open_database(settings: Settings, url: str | None = None) -> None:
    """Initialise tortoise for the whole process (request tasks included)."""
    statements.install()
    await Tortoise.init(config=tortoise_config(settings, url), _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()


def write_connection() -> BaseDBAsyncClient:
    client: BaseDBAsyncClient = connections.get("default")
    return client


def read_connection() -> BaseDBAsyncClient:
    """The replica when one is configured, else the primary: for read-only queries."""
    # Asked of the config, not by trying the alias: every read statement comes here, and a
    # missing alias costs tortoise a raised and caught ConfigurationError each time.
    alias = "replica" if "replica" in connections.db_config else "default"
    client: BaseDBAsyncClient = connections.get(alias)
    return client


def is_postgres(conn: BaseDBAsyncClient | None = None) -> bool:
    client = conn or write_connection()
    return client.capabilities.dialect == "postgres"
