"""Tag version counters in the database: read on every cache lookup, bumped by every write.

A cached answer records the versions of its tags as they were before it was computed; it is
served only while all of them are unchanged. Every process that writes has the database, so
API workers, ``ingest-feeds``, the review publisher and CLI jobs all invalidate the same way,
in Redis mode and in-process mode alike.

Lookups do not read the table on every request: each process keeps a snapshot of every tag's
version for FRESH_S (one statement per process per FRESH_S, however many hits). A bump made
by this process drops its snapshot at once (read-your-writes within a worker); a bump made by
another process (another worker, ``ingest-feeds``, a scheduled job) is seen within FRESH_S.
That bound is the only staleness the snapshot adds (README, "Response cache").
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

from tortoise.backends.base.client import BaseDBAsyncClient

from hmsdesk_graph.db.connection import write_connection
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.shared.cache_policy import Tag, tag_values

logger = logging.getLogger("hmsdesk_graph.cache")

# How long a process trusts its snapshot of the versions (seconds): writes by other processes
# reach its cached answers within this bound.
FRESH_S = 0.25


class _Snapshot:
    """Every tag's version as this process last read it, and until when it is trusted."""

    def __init__(self) -> None:
        self.versions: dict[str, int] = {}
        self.until = 0.0
        self.generation = 0  # bumped by every local write: a read begun before it is not kept
        # The read in flight (its loop and generation): concurrent lookups wait for it rather
        # than each sending the same statement when the snapshot runs out.
        self.pending: tuple[asyncio.AbstractEventLoop, int, asyncio.Task[dict[str, int]]] | None
        self.pending = None

    def drop(self) -> None:
        self.until = 0.0
        self.generation += 1
        self.pending = None  # a read begun before the write is joined by no later lookup


_SNAPSHOT = _Snapshot()


async def _read_all() -> dict[str, int]:
    q = SqlBuilder(write_connection())
    rows = await q.fetch("SELECT tag, version FROM cache_tag_version")
    return {str(r["tag"]): int(r["version"]) for r in rows}


_SORTED: dict[frozenset[str], list[str]] = {}  # a policy's tags, sorted once per process


async def cached_versions(tags: frozenset[str]) -> dict[str, int]:
    """The versions of `tags` from this process's snapshot (read again after FRESH_S)."""
    wanted = _SORTED.get(tags)
    if wanted is None:
        wanted = _SORTED[tags] = tag_values(tags)
    found = _SNAPSHOT.versions if time.monotonic() < _SNAPSHOT.until else await _refresh()
    return {tag: found.get(tag, 0) for tag in wanted}


async def _refresh() -> dict[str, int]:
    """Read every version (or wait for the read already in flight) and keep the snapshot."""
    loop = asyncio.get_running_loop()
    generation = _SNAPSHOT.generation
    pending = _SNAPSHOT.pending
    if pending is not None and pending[0] is loop and pending[1] == generation:
        return await asyncio.shield(pending[2])
    started = time.monotonic()
    task = loop.create_task(_read_all())
    _SNAPSHOT.pending = (loop, generation, task)
    try:
        versions = await asyncio.shield(task)
    finally:
        if _SNAPSHOT.pending is not None and _SNAPSHOT.pending[2] is task:
            _SNAPSHOT.pending = None
    if generation == _SNAPSHOT.generation:
        # Not across a local bump (the read may predate it); trusted from when it began.
        _SNAPSHOT.versions, _SNAPSHOT.until = versions, started + FRESH_S
    return versions


def forget_versions() -> None:
    """Drop this process's snapshot (the next lookup reads the table)."""
    _SNAPSHOT.drop()


async def read_versions(tags: Iterable[str]) -> dict[str, int]:
    """The current version of each tag (0 for a tag never bumped), from the primary."""
    wanted = tag_values(tags)
    # The primary, not a replica: a lagging replica would hide an invalidation.
    q = SqlBuilder(write_connection())
    rows = await q.fetch(
        f"SELECT tag, version FROM cache_tag_version WHERE tag {q.in_texts(wanted)}"
    )
    found = {str(r["tag"]): int(r["version"]) for r in rows}
    return {tag: found.get(tag, 0) for tag in wanted}


async def bump(tags: Iterable[Tag | str], conn: BaseDBAsyncClient | None = None) -> None:
    """Invalidate every cached answer that depends on any of `tags` (one statement).

    Pass `conn` to bump inside the writer's own transaction. Never raises: a failed bump is
    logged, and entries still expire after HMSDESK_RESPONSE_CACHE_TTL_S.
    """
    values = tag_values(tags)
    if not values:
        return
    _SNAPSHOT.drop()  # before the write too: no lookup trusts a snapshot taken before it
    q = SqlBuilder(conn or write_connection())
    rows = ", ".join(f"({q.p(tag)}, 1)" for tag in values)
    try:
        await q.conn.execute_query(
            f"INSERT INTO cache_tag_version (tag, version) VALUES {rows}"
            " ON CONFLICT (tag) DO UPDATE SET version = cache_tag_version.version + 1",
            q.params,
        )
    except Exception:
        if conn is not None:
            raise  # inside the writer's transaction: let it fail as a whole
        logger.exception("bumping response-cache tags failed")
    finally:
        _SNAPSHOT.drop()
