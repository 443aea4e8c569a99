"""The quarantine table: feed prices held back for review instead of being applied or served.

Which rows are held back (and why) is decided with the rest of the plan (``plan.find_anomaly``);
this module only writes them. The table holds, per feed, exactly the rows the latest
successful run held back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from hmsdesk_graph.db.dialect import placeholders
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.ingest.plan import Quarantined


@dataclass(frozen=True, slots=True)
class _Entry:
    """One quarantine row's content, as compared between runs."""

    line: int
    reason: str
    detail: str
    price_min_paise: int
    price_max_paise: int
    previous_min_paise: int | None
    previous_max_paise: int | None
    proposal: dict[str, Any]


def _entry(item: Quarantined) -> _Entry:
    previous = item.previous
    return _Entry(
        item.row.line,
        item.anomaly.reason.value,
        item.anomaly.detail,
        item.row.price_min_paise,
        item.row.price_max_paise,
        None if previous is None else previous.price_min_paise,
        None if previous is None else previous.price_max_paise,
        item.row.to_json(),
    )


def _stored_entry(row: dict[str, Any]) -> _Entry:
    proposal = row["proposal"]
    return _Entry(
        int(row["line"]),
        str(row["reason"]),
        str(row["detail"]),
        int(row["price_min_paise"]),
        int(row["price_max_paise"]),
        row["previous_min_paise"],
        row["previous_max_paise"],
        orjson.loads(proposal) if isinstance(proposal, str | bytes) else proposal,
    )


_COLUMNS = (
    "line",
    "reason",
    "detail",
    "price_min_paise",
    "price_max_paise",
    "previous_min_paise",
    "previous_max_paise",
    "proposal",
)


async def sync_quarantine(
    conn: BaseDBAsyncClient,
    feed_id: int,
    run_id: int,
    held: Sequence[Quarantined],
    now: datetime,
) -> None:
    """Make the feed's quarantine exactly ``held``: new rows in, released rows out, and
    unchanged proposals untouched (so an unchanged feed writes nothing here either)."""
    q = SqlBuilder(conn)
    stored = await q.fetch(
        f"SELECT id, external_ref, {', '.join(_COLUMNS)} FROM quarantined_price"
        f" WHERE feed_id = {q.p(feed_id)}"
    )
    current = {str(row["external_ref"]): row for row in stored}
    wanted = {item.row.external_ref: item for item in held}
    released = [int(row["id"]) for ref, row in current.items() if ref not in wanted]
    inserts: list[list[Any]] = []
    updates: list[list[Any]] = []
    for ref, item in wanted.items():
        entry = _entry(item)
        values = [*_values(entry), run_id, now]
        if ref not in current:
            inserts.append([feed_id, ref, *values])
        elif _stored_entry(current[ref]) != entry:
            updates.append([*values, int(current[ref]["id"])])
    if released:
        d = SqlBuilder(conn)
        await conn.execute_query(
            f"DELETE FROM quarantined_price WHERE id {d.in_ints(released)}", d.params
        )
    names = [*_COLUMNS, "feed_run_id", "quarantined_at"]
    if inserts:
        marks = placeholders(q.postgres, 2 + len(names))
        await conn.execute_many(
            f"INSERT INTO quarantined_price (feed_id, external_ref, {', '.join(names)})"
            f" VALUES ({', '.join(marks)})",
            inserts,
        )
    if updates:
        marks = placeholders(q.postgres, len(names) + 1)
        assignments = ", ".join(f"{n} = {m}" for n, m in zip(names, marks, strict=False))
        await conn.execute_many(
            f"UPDATE quarantined_price SET {assignments} WHERE id = {marks[-1]}", updates
        )


def _values(entry: _Entry) -> list[Any]:
    return [
        entry.line,
        entry.reason,
        entry.detail,
        entry.price_min_paise,
        entry.price_max_paise,
        entry.previous_min_paise,
        entry.previous_max_paise,
        orjson.dumps(entry.proposal).decode(),
    ]
