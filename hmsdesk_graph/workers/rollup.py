"""Daily roll-ups of listing events: incremental as events flush, and a full recompute.

Two writers keep `daily_stat` and they never double count:

- The event recorder's flush adds each batch to its days' rows (one set-based upsert that
  adds: on PostgreSQL grouped in Python by `daily_counts`, on SQLite in SQL by
  `add_events_sql`) in the same transaction as the batch's insert (on PostgreSQL the same
  statement): an event is in the stats exactly when it is stored.
- `rollup()` recomputes whole days from the raw events and replaces those days' rows. On
  PostgreSQL it first takes a SHARE ROW EXCLUSIVE lock on `daily_stat`, which waits for any
  flush in progress and holds new flushes back until it commits, so every event is counted
  either by the recompute (committed before it) or by a later flush's increment, never both.
  SQLite has one writer at a time, which gives the same guarantee.

Days are Indian (IST) calendar days. Raw events may be pruned by whole days: the recompute
never touches days before the oldest stored event, so it cannot wipe the stats of days whose
raw events are gone.

This module knows nothing of the event recorder (`workers.events` imports it, never the other
way round): it only renders SQL over relations shaped like `listing_event`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from hmsdesk_graph.db.connection import write_connection
from hmsdesk_graph.db.sql import SqlBuilder

# India has one offset and no daylight saving. Defined here, not taken from reach.clock: reach
# sits above workers (its tracking records through the event recorder, which imports this).
IST = timezone(timedelta(hours=5, minutes=30), "IST")

KEY_COLUMNS = ("day", "kind", "target_kind", "target_id", "campaign_id", "channel", "city_id")
CONFLICT = "(target_kind, target_id, day, kind, campaign_id, channel, city_id)"
INSERT = f"INSERT INTO daily_stat ({', '.join(KEY_COLUMNS)}, count, position_sum, position_count)"


def ist_day(moment: datetime) -> date:
    """The Indian calendar day of an instant."""
    return moment.astimezone(IST).date()


def day_start(day: date) -> datetime:
    """00:00 IST of a day, the instant its events start."""
    return datetime.combine(day, time(), IST)


def ist_day_sql(column: str, postgres: bool) -> str:
    """SQL for the IST calendar day of a timestamp column (SQLite keeps them as UTC text)."""
    if postgres:
        return f"CAST(({column} AT TIME ZONE 'Asia/Kolkata') AS date)"
    return f"date({column}, '+330 minutes')"


def day_param(q: SqlBuilder, day: date) -> str:
    """A placeholder for a DATE column (SQLite stores dates as ISO text)."""
    return q.p(day if q.postgres else day.isoformat())


def _grouped(source: str, postgres: bool, where: str = "TRUE") -> str:
    """`INSERT INTO daily_stat ... SELECT` of events grouped by day and key, from `source`.

    `source` is any relation with listing_event's columns: the table itself (the recompute) or
    a flushed batch (the incremental add). One definition of a day's figures for both writers.
    The rows come in the unique key's order, so concurrent flushes lock rows in the same order.
    """
    bucket = ist_day_sql("e.occurred_at", postgres)
    key = (
        f"{bucket}, e.kind, e.target_kind, e.target_id, COALESCE(e.campaign_id, 0),"
        " e.channel, COALESCE(e.city_id, 0)"
    )
    order = (
        f"e.target_kind, e.target_id, {bucket}, e.kind, COALESCE(e.campaign_id, 0),"
        " e.channel, COALESCE(e.city_id, 0)"
    )
    return (
        f"{INSERT} SELECT {key}, COUNT(*), COALESCE(SUM(e.position), 0), COUNT(e.position)"
        f" FROM {source} AS e WHERE {where} GROUP BY {key} ORDER BY {order}"
    )


def add_events_sql(source: str, postgres: bool) -> str:
    """One set-based statement adding every event of `source` to its daily row.

    An upsert that adds: a flush adds its batch to the days' rows, never replaces them.
    """
    return (
        f"{_grouped(source, postgres)} ON CONFLICT {CONFLICT} DO UPDATE SET"
        " count = daily_stat.count + excluded.count,"
        " position_sum = daily_stat.position_sum + excluded.position_sum,"
        " position_count = daily_stat.position_count + excluded.position_count"
    )


_COUNT_TYPES = ("date", "text", "text", "int", "int", "text", "int", "int", "bigint", "int")


def add_counts_sql(first: int) -> str:
    """PostgreSQL: one upsert adding figures already grouped by `daily_counts` (its ten column
    arrays bound from `$first` on) to their days' rows."""
    arrays = ", ".join(f"${first + i}::{t}[]" for i, t in enumerate(_COUNT_TYPES))
    return (
        f"{INSERT} SELECT * FROM unnest({arrays}) ON CONFLICT {CONFLICT} DO UPDATE SET"
        " count = daily_stat.count + excluded.count,"
        " position_sum = daily_stat.position_sum + excluded.position_sum,"
        " position_count = daily_stat.position_count + excluded.position_count"
    )


def daily_counts(
    kinds: list[str],
    moments: list[datetime],
    target_kinds: list[str],
    target_ids: list[int],
    campaign_ids: list[int | None],
    channels: list[str],
    city_ids: list[int | None],
    positions: list[int | None],
) -> list[list[Any]]:
    """Events (listing_event's columns as lists) grouped exactly as `_grouped` groups them, in
    its row order, as `add_counts_sql`'s arrays: key columns, count, position sum and count.

    Grouped here rather than in SQL: a flush's roll-up then costs PostgreSQL one upsert of a few
    hundred grouped rows instead of a GROUP BY over every inserted row (~25% of a flush)."""
    days: dict[datetime, date] = {}  # a request's events share their moment
    groups: dict[tuple[Any, ...], list[int]] = {}
    for kind, moment, target_kind, target_id, campaign, channel, city, position in zip(
        kinds,
        moments,
        target_kinds,
        target_ids,
        campaign_ids,
        channels,
        city_ids,
        positions,
        strict=True,
    ):
        day = days.get(moment)
        if day is None:
            day = days[moment] = ist_day(moment)
        key = (target_kind, target_id, day, kind, campaign or 0, channel, city or 0)
        figures = groups.get(key)
        if figures is None:
            figures = groups[key] = [0, 0, 0]
        figures[0] += 1
        if position is not None:
            figures[1] += position
            figures[2] += 1
    keys = sorted(groups)
    # KEY_COLUMNS order: day, kind, target_kind, target_id, campaign_id, channel, city_id.
    return [
        [k[2] for k in keys],
        [k[3] for k in keys],
        [k[0] for k in keys],
        [k[1] for k in keys],
        [k[4] for k in keys],
        [k[5] for k in keys],
        [k[6] for k in keys],
        *([groups[k][i] for k in keys] for i in range(3)),
    ]


@dataclass
class RollupReport:
    """What a recompute did."""

    first: date | None = None
    last: date | None = None
    days: int = 0
    rows: int = 0

    def format(self) -> str:
        if not self.days:
            return "rollup: no stored events in that range, nothing recomputed"
        return (
            f"rollup: recomputed {self.days} day(s) {self.first} .. {self.last},"
            f" {self.rows:,} daily_stat rows"
        )


async def event_horizon(conn: BaseDBAsyncClient | None = None) -> tuple[date, date] | None:
    """The first and last IST days that hold stored events (None: no events at all)."""
    q = SqlBuilder(conn or write_connection())
    rows = await q.fetch("SELECT MIN(occurred_at) AS lo, MAX(occurred_at) AS hi FROM listing_event")
    lo, hi = rows[0]["lo"], rows[0]["hi"]
    if lo is None:
        return None
    return ist_day(_as_datetime(lo)), ist_day(_as_datetime(hi))


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


async def _recompute_day(day: date) -> int:
    async with in_transaction() as conn:
        q = SqlBuilder(conn)
        if q.postgres:
            # A busy day's recompute is a batch job, not a request: no request timeout.
            await conn.execute_script("SET LOCAL statement_timeout = 0")
            # Waits for flushes in progress and holds new ones back until this commits.
            await conn.execute_script("LOCK TABLE daily_stat IN SHARE ROW EXCLUSIVE MODE")
        await q.fetch(f"DELETE FROM daily_stat WHERE day = {day_param(q, day)}")
        i = SqlBuilder(conn)
        since, until = i.dt(day_start(day)), i.dt(day_start(day + timedelta(days=1)))
        await i.fetch(
            _grouped(
                "listing_event",
                i.postgres,
                f"e.occurred_at >= {since} AND e.occurred_at < {until}",
            )
        )
        c = SqlBuilder(conn)
        rows = await c.fetch(
            f"SELECT COUNT(*) AS n FROM daily_stat WHERE day = {day_param(c, day)}"
        )
        return int(rows[0]["n"])


async def rollup(first: date | None = None, last: date | None = None) -> RollupReport:
    """Recompute `daily_stat` for the IST days first..last from the stored events.

    Idempotent: running it twice gives the same rows. Days before the oldest stored event are
    left as they are (their raw events were pruned); by default every day with events is
    recomputed. Each day is replaced in its own transaction.
    """
    horizon = await event_horizon()
    report = RollupReport()
    if horizon is None:
        return report
    lo = max(first or horizon[0], horizon[0])
    hi = last or horizon[1]
    day = lo
    while day <= hi:
        report.rows += await _recompute_day(day)
        report.days += 1
        report.first = report.first or day
        report.last = day
        day += timedelta(days=1)
    return report
