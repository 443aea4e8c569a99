"""Recomputing the derived search columns while another process writes."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.connection import close_database, open_database
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.db.search_index import refresh_search_columns
from tests.conftest import base_settings
from tests.factories import build_dataset


@pytest.fixture
async def short_busy(database_url: str) -> AsyncIterator[Settings]:
    """Tortoise on this test's database with a 50 ms SQLite busy timeout."""
    settings = base_settings(database_url=database_url, sqlite_busy_timeout_ms=50)
    await open_database(settings)
    try:
        yield settings
    finally:
        await close_database()


@pytest.mark.backend("sqlite", reason="SQLite's single writer lock: PostgreSQL locks rows")
async def test_a_refresh_outlasts_another_process_holding_the_write_lock(
    short_busy: Settings,
) -> None:
    await build_dataset(FieldCipher(short_busy.field_encryption_key))
    other = sqlite3.connect(short_busy.database_url.removeprefix("sqlite://"))
    other.isolation_level = None
    other.execute("BEGIN IMMEDIATE")  # another process's write, longer than the busy timeout
    try:
        refresh = asyncio.create_task(refresh_search_columns())
        await asyncio.sleep(0.3)
        assert not refresh.done()
    finally:
        other.execute("COMMIT")
        other.close()
    assert await refresh == await models.Practitioner.all().count() + (
        await models.Hospital.all().count() + await models.DiagnosticCenter.all().count()
    )
