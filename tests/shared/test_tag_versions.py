"""The per-process snapshot of tag versions the response cache checks on every lookup: one
statement however many lookups wait for it, a local write seen at once, another process's write
seen when the snapshot runs out (FRESH_S; README "Response cache")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hmsdesk_graph.db.connection import write_connection
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.db.statements import StatementCounter, counting
from hmsdesk_graph.shared import tag_versions
from hmsdesk_graph.shared.cache_policy import Tag
from hmsdesk_graph.shared.tag_versions import bump, cached_versions, forget_versions

pytestmark = pytest.mark.parametrize("backend", ["memory"], indirect=True)

TAGS = frozenset({Tag.REVIEW.value, Tag.ALL.value})


async def _bump_elsewhere(tag: Tag) -> None:
    """What another process's bump does to the table (this process's snapshot untouched)."""
    q = SqlBuilder(write_connection())
    await q.conn.execute_query(
        f"INSERT INTO cache_tag_version (tag, version) VALUES ({q.p(tag.value)}, 1)"
        " ON CONFLICT (tag) DO UPDATE SET version = cache_tag_version.version + 1",
        q.params,
    )


async def test_concurrent_lookups_share_one_read(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tag_versions, "FRESH_S", 600.0)
    forget_versions()
    counter = StatementCounter()
    with counting(counter):
        answers = await asyncio.gather(*(cached_versions(TAGS) for _ in range(20)))
        again = await cached_versions(TAGS)
    assert counter.count == 1
    assert all(a == answers[0] == again for a in answers)
    assert set(again) == TAGS


async def test_local_writes_at_once_other_processes_within_the_bound(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tag_versions, "FRESH_S", 600.0)
    forget_versions()
    before = (await cached_versions(TAGS))[Tag.REVIEW.value]
    await _bump_elsewhere(Tag.REVIEW)
    # Another process's write: not seen while the snapshot is trusted ...
    assert (await cached_versions(TAGS))[Tag.REVIEW.value] == before
    # ... and seen as soon as it runs out (here: as if FRESH_S had passed).
    tag_versions._SNAPSHOT.until -= 601.0
    assert (await cached_versions(TAGS))[Tag.REVIEW.value] == before + 1
    # This process's own write: seen by the very next lookup.
    await bump([Tag.REVIEW])
    assert (await cached_versions(TAGS))[Tag.REVIEW.value] == before + 2
