"""Where "every statement the server sent" is counted: pg_stat_statements, else bench.counting.

pg_stat_statements sees what PostgreSQL executed, whoever sent it, but only when the server
preloads it (``shared_preload_libraries``); it is reset when a window opens, so its counts are
the window's. Otherwise (SQLite, or PostgreSQL without it) each server process counts at the
driver level (``bench.counting``), background writes included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from bench.counting import read_total


class StatementSource(Protocol):
    """Counts statements over a window: ``start`` when it opens, ``end`` gives the count."""

    description: str

    async def start(self) -> None: ...

    async def end(self) -> int: ...

    async def close(self) -> None: ...


class DriverCounters:
    """The sum of the server processes' own counters (``bench.counting`` files)."""

    description = (
        "a process-wide counter in each server process at the driver level (bench.counting; "
        "pg_stat_statements is not preloaded)"
    )

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._at_start = 0

    async def start(self) -> None:
        self._at_start = read_total(self.directory)

    async def end(self) -> int:
        return read_total(self.directory) - self._at_start

    async def close(self) -> None:
        return None


# Statements the benchmark itself sends to read the view are not the server's.
_TOTAL_SQL = (
    "SELECT COALESCE(SUM(calls), 0)::bigint FROM pg_stat_statements s"
    " JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1"
    " AND s.query NOT ILIKE '%pg_stat_statements%'"
)


class PgStatStatements:
    """PostgreSQL's own count of the statements run in the benchmark's database."""

    description = (
        "pg_stat_statements (every statement PostgreSQL ran in this database, reset when "
        "each window opens)"
    )

    def __init__(self, connection: Any, database: str) -> None:
        self._conn = connection
        self._database = database

    async def start(self) -> None:
        await self._conn.execute("SELECT pg_stat_statements_reset()")

    async def end(self) -> int:
        total: int = await self._conn.fetchval(_TOTAL_SQL, self._database)
        return total

    async def close(self) -> None:
        await self._conn.close()


async def pg_stat_statements(connection: Any, database: str) -> PgStatStatements | None:
    """A pg_stat_statements source on this connection when the server preloads it, else None.

    The extension's view is created in the benchmark's database when missing (it exists only
    where ``CREATE EXTENSION`` ran, though it counts every database).
    """
    preloaded = str(await connection.fetchval("SHOW shared_preload_libraries"))
    if "pg_stat_statements" not in {part.strip() for part in preloaded.split(",")}:
        return None
    await connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    return PgStatStatements(connection, database)
