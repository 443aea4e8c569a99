"""Reputation of a partner's listings: weekly ratings, recommendations and replies.

Counts only published reviews created in the range (weeks start on Monday, IST), plus the
reviews still waiting for a reply now. Nothing here says who wrote a review.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.reach.entities import EntityKey, owner_key_sql, owner_targets
from hmsdesk_graph.reach.funnel import DateRange
from hmsdesk_graph.workers.rollup import day_start


@dataclass
class WeekRatings:
    reviews: int = 0
    rating_sum: int = 0


@dataclass
class Reputation:
    """Published reviews in the range, by week, and what waits for an answer."""

    weeks: dict[date, WeekRatings] = field(default_factory=dict)
    recommended: int = 0
    replied: int = 0
    awaiting_reply: int = 0

    @property
    def reviews(self) -> int:
        return sum(w.reviews for w in self.weeks.values())

    @property
    def rating_sum(self) -> int:
        return sum(w.rating_sum for w in self.weeks.values())

    def merge(self, other: Reputation) -> None:
        for week, ratings in other.weeks.items():
            mine = self.weeks.setdefault(week, WeekRatings())
            mine.reviews += ratings.reviews
            mine.rating_sum += ratings.rating_sum
        self.recommended += other.recommended
        self.replied += other.replied
        self.awaiting_reply += other.awaiting_reply


def week_start(day: date) -> date:
    """The Monday that starts a day's week."""
    return day - timedelta(days=day.weekday())


def weeks_of(span: DateRange) -> list[date]:
    """The Mondays of every week that overlaps the range."""
    first, last = week_start(span.first), week_start(span.last)
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def _week_sql(column: str, postgres: bool) -> str:
    if postgres:
        return f"CAST(date_trunc('week', {column} AT TIME ZONE 'Asia/Kolkata') AS date)"
    # Back six days, then forward to the next Monday: the Monday on or before the day.
    return f"date({column}, '+330 minutes', '-6 days', 'weekday 1')"


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def load_reputations(keys: Sequence[EntityKey], span: DateRange) -> list[Reputation]:
    """One Reputation per listing, in key order (two statements)."""
    kind_sql, id_sql = owner_key_sql("r")
    q = SqlBuilder()
    week = _week_sql("r.created_at", q.postgres)
    rows = await q.fetch(
        f"SELECT {kind_sql} AS tk, {id_sql} AS tid, {week} AS week, COUNT(*) AS n,"
        " SUM(r.rating) AS rsum, SUM(CASE WHEN r.recommend THEN 1 ELSE 0 END) AS rec,"
        " SUM(CASE WHEN r.reply_text IS NOT NULL THEN 1 ELSE 0 END) AS replied"
        f" FROM review r WHERE {owner_targets(q, keys, 'r')} AND r.status = 'PUBLISHED'"
        f" AND r.created_at >= {q.dt(day_start(span.first))}"
        f" AND r.created_at < {q.dt(day_start(span.last + timedelta(days=1)))}"
        f" GROUP BY {kind_sql}, {id_sql}, {week}"
    )
    w = SqlBuilder()
    waiting = await w.fetch(
        f"SELECT {kind_sql} AS tk, {id_sql} AS tid, COUNT(*) AS n FROM review r"
        f" WHERE {owner_targets(w, keys, 'r')} AND r.status IN ('PENDING', 'PUBLISHED')"
        f" AND r.reply_text IS NULL GROUP BY {kind_sql}, {id_sql}"
    )
    found: dict[tuple[str, int], Reputation] = defaultdict(Reputation)
    for row in rows:
        rep = found[(str(row["tk"]), int(row["tid"]))]
        rep.weeks[_day(row["week"])] = WeekRatings(int(row["n"]), int(row["rsum"]))
        rep.recommended += int(row["rec"])
        rep.replied += int(row["replied"])
    for row in waiting:
        found[(str(row["tk"]), int(row["tid"]))].awaiting_reply = int(row["n"])
    return [found.get((kind.value, pk), Reputation()) for kind, pk in keys]
