"""Shared fixtures: a real, migrated database per test on SQLite or PostgreSQL.

``HMSDESK_TEST_DATABASE_URL`` names a PostgreSQL server (any database on it); when set, every
test runs on PostgreSQL in a database of its own, cloned from a migrated template. Otherwise
tests run on a SQLite file in a temporary directory.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from hmsdesk_graph.config import Settings, load_settings
from hmsdesk_graph.db.migrate import migrate_database

PG_SERVER_URL = os.environ.get("HMSDESK_TEST_DATABASE_URL", "")
BACKEND = "postgres" if PG_SERVER_URL else "sqlite"


# --- backend-specific tests -----------------------------------------------------------------
# A test that only means something on one backend says so with
# `@pytest.mark.backend("postgres", reason=...)`. On the other backend it is deselected (not
# collected as a skip that looks like a pass), and the run's summary says which and why.

_DESELECTED = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        'backend(name, reason=...): run only on that backend ("sqlite" or "postgres")',
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    notes: list[str] = []
    for item in items:
        marker = item.get_closest_marker("backend")
        if marker is None or marker.args[0] == BACKEND:
            keep.append(item)
            continue
        if marker.args[0] not in ("sqlite", "postgres"):
            raise pytest.UsageError(f"{item.nodeid}: unknown backend {marker.args[0]!r}")
        dropped.append(item)
        reason = marker.kwargs.get("reason", "")
        notes.append(f"{item.nodeid}: {marker.args[0]} only ({reason})")
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    config.stash[_DESELECTED] = notes


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    notes = config.stash.get(_DESELECTED, [])
    if notes:
        terminalreporter.section(f"not run on {BACKEND} (backend-specific)", sep="-")
        for note in notes:
            terminalreporter.write_line(note)


def _pg_url(database: str) -> str:
    parts = urlsplit(PG_SERVER_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, "", ""))


async def _pg_admin(sql: str) -> None:
    import asyncpg

    parts = urlsplit(PG_SERVER_URL)
    conn = await asyncpg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        database="postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _pg_truncate_all(database: str) -> None:
    import asyncpg

    parts = urlsplit(PG_SERVER_URL)
    conn = await asyncpg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        database=database,
    )
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename NOT LIKE 'tortoise%'"
        )
        names = ", ".join(f'"{t["tablename"]}"' for t in tables)
        await conn.execute("SET lock_timeout = '10s'")
        await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


def base_settings(**overrides: object) -> Settings:
    """Test settings: isolated from the developer's environment except the test server."""
    # The response cache is off here: most tests arrange rows directly between reads, which no
    # write path invalidates. tests/shared turns it on and tests it (and the two-process test).
    # The collector is left as Python sets it: tuning it collects the whole heap at every app
    # start, and this process starts ~1,000 apps (the suite took twice as long);
    # tests/ops/test_collector.py tests the tuning.
    values: dict[str, object] = {
        "env": "test",
        "count_statements": True,
        "response_cache_ttl_s": 0,
        "gc_young_threshold": 0,
        # CI shares a 2-core machine and its disk with a parallel SQLite run (and autovacuum of
        # any large database on the server): a 5 s stall of one trivial statement failed a run,
        # and a first suggest request (vocabularies, catalogue rows) once outlived the 10 s
        # request deadline. Still bounded, so a hung statement or request fails its test;
        # tests of the timeout and the deadline set their own.
        "statement_timeout_ms": 30_000,
        "request_deadline_s": 60.0,
    }
    values.update(overrides)
    return load_settings({}, **values)


# Partner calls that fail fast: a slow path must not eat a test's time. Tests of outages and
# deadlines set their own.
SHORT_PARTNER_TIMEOUTS: dict[str, object] = {
    "upstream_connect_timeout_s": 0.3,
    "upstream_read_timeout_s": 0.8,
    "upstream_total_timeout_s": 1.0,
    "request_budget_s": 1.5,
}


def sandbox_settings(database_url: str, sandbox: Any, **overrides: object) -> Settings:
    """Test settings whose partner services (practice, telephony, messaging) are the sandbox."""
    url = sandbox.url
    return base_settings(
        database_url=database_url,
        practice_url=url,
        telephony_url=url,
        messaging_url=url,
        **overrides,
    )


class DatabaseFactory:
    """Makes fresh migrated databases by cloning one migrated template."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.run_id = uuid.uuid4().hex[:8]
        self.template: str | None = None
        self.shared: str | None = None
        self.created: list[str] = []

    def _template(self) -> str:
        if self.template is None:
            if BACKEND == "postgres":
                name = f"hmsdesk_t_{self.run_id}_tmpl"
                asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
                self.created.append(name)
                url = _pg_url(name)
            else:
                url = f"sqlite://{self.workdir / 'template.sqlite3'}"
            asyncio.run(migrate_database(base_settings(), url))
            self.template = url
        return self.template

    def new(self, label: str = "db") -> str:
        """A migrated database with no rows, as if new.

        PostgreSQL: one database per session, emptied (TRUNCATE … RESTART IDENTITY) before each
        test: creating and dropping a database per test costs about a second each.
        """
        template = self._template()
        suffix = uuid.uuid4().hex[:8]
        if BACKEND == "postgres":
            if self.shared is None:
                name = f"hmsdesk_t_{self.run_id}_shared"
                tmpl_name = urlsplit(template).path.lstrip("/")
                asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{tmpl_name}"'))
                self.created.append(name)
                self.shared = _pg_url(name)
            else:
                asyncio.run(_pg_truncate_all(urlsplit(self.shared).path.lstrip("/")))
            return self.shared
        path = self.workdir / f"{label}-{suffix}.sqlite3"
        shutil.copyfile(urlsplit(template).path, path)
        return f"sqlite://{path}"

    def empty(self) -> str:
        """A fresh database with no tables at all (for migration tests)."""
        suffix = uuid.uuid4().hex[:8]
        if BACKEND == "postgres":
            name = f"hmsdesk_t_{self.run_id}_{suffix}"
            asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
            self.created.append(name)
            return _pg_url(name)
        return f"sqlite://{self.workdir / f'empty-{suffix}.sqlite3'}"

    def drop_all(self) -> None:
        for name in reversed(self.created):
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    try:
        yield factory
    finally:
        factory.drop_all()


@pytest.fixture
def database_url(database_factory: DatabaseFactory) -> str:
    """A fresh, migrated, empty database for this test."""
    return database_factory.new()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return base_settings(database_url=database_url)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Settings]:
    """Tortoise opened on this test's database."""
    from hmsdesk_graph.db.connection import close_database, open_database

    await open_database(settings)
    try:
        yield settings
    finally:
        await close_database()


class GraphQLClient:
    """Posts GraphQL operations to the app through its real HTTP endpoint (in-process)."""

    def __init__(self, http: Any) -> None:
        self.http = http

    async def post(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        return await self.http.post("/graphql", json=payload, **kw)

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run an operation and return the decoded body (whatever the status)."""
        response = await self.post(query, variables)
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    """The real application with its lifespan running on this test's database."""
    from hmsdesk_graph.app import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def http(app: Any) -> AsyncIterator[Any]:
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def gql(http: Any) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
async def sandbox() -> AsyncIterator[Any]:
    """The partner sandbox (practice, telephony, messaging, feeds) on a free loopback port."""
    from hmsdesk_graph.sandbox import start_sandbox

    running = await start_sandbox("127.0.0.1", 0)
    try:
        yield running
    finally:
        await running.close()
