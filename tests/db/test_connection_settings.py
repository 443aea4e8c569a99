"""The PostgreSQL session settings every app connection runs with (`db.connection`)."""

from __future__ import annotations

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.connection import read_connection, write_connection

pytestmark = pytest.mark.backend("postgres", reason="PostgreSQL session settings")


async def test_no_jit_and_no_parallel_workers(db: Settings) -> None:
    # JIT added 0.7-2 s to search plans; parallel workers take the cores other requests run on.
    for conn in (read_connection(), write_connection()):
        for setting, value in (("jit", "off"), ("max_parallel_workers_per_gather", "0")):
            rows = await conn.execute_query_dict(f"SHOW {setting}")
            assert rows[0][setting] == value
