"""Reads go to the read replica when one is configured, else to the primary (DESIGN §1)."""

from __future__ import annotations

from hmsdesk_graph.db.connection import (
    close_database,
    open_database,
    read_connection,
    write_connection,
)
from tests.conftest import base_settings


async def test_reads_use_the_primary_without_a_replica(database_url: str) -> None:
    await open_database(base_settings(database_url=database_url))
    try:
        assert read_connection() is write_connection()
    finally:
        await close_database()


async def test_reads_use_the_replica_when_one_is_configured(database_url: str) -> None:
    # The same database stands in for the replica: a second connection (pool) to it.
    settings = base_settings(database_url=database_url, read_database_url=database_url)
    await open_database(settings)
    try:
        replica = read_connection()
        assert replica is not write_connection()
        assert replica.connection_name == "replica"
        _, rows = await replica.execute_query("SELECT 1 AS one")
        assert rows[0]["one"] == 1
    finally:
        await close_database()
