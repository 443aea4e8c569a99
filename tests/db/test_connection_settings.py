"""The PostgreSQL session settings every app connection runs with (`db.connection`)."""

from __future__ import annotations

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.connection import read_connection, write_connection

pytestmark = pytest.mark.backend("postgres", reason="PostgreSQL session settings")


async def test_every_statement_is_planned_for_its_own_values(db: Settings) -> None:
    # A search's best plan depends on its values (a 10 km radius holds ~22k practitioners, a
    # text ~700): the generic plan PostgreSQL picks after five runs of one statement expected
    # one row and took 3-4 s a search on medium data. No JIT, no parallel workers (see there).
    for conn in (read_connection(), write_connection()):
        for setting, value in (
            ("plan_cache_mode", "force_custom_plan"),
            ("jit", "off"),
            ("max_parallel_workers_per_gather", "0"),
        ):
            rows = await conn.execute_query_dict(f"SHOW {setting}")
            assert rows[0][setting] == value
