"""Batch functions for reviews: summaries per target and pages of published reviews."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import TargetKind
from hmsdesk_graph.db.sql import SqlBuilder, columns, models_from_rows
from hmsdesk_graph.loaders.base import group_keys, grouped_by
from hmsdesk_graph.loaders.prices import OWNER_COLUMN
from hmsdesk_graph.pagination import Key


@dataclass(frozen=True)
class TargetKey:
    kind: TargetKind
    id: int


@dataclass(frozen=True)
class RatingCounts:
    """Published reviews of one target: how many per star, and how many recommend."""

    by_rating: dict[int, int]
    recommend: int

    @property
    def count(self) -> int:
        return sum(self.by_rating.values())

    @property
    def rating_sum(self) -> int:
        return sum(star * n for star, n in self.by_rating.items())


async def load_review_summaries(keys: Sequence[TargetKey]) -> list[RatingCounts]:
    """Counts per star and recommendations, one statement per target kind."""
    results: dict[TargetKey, RatingCounts] = {}
    for kind, group in group_keys(keys, lambda k: k.kind).items():
        column = OWNER_COLUMN[kind]
        q = SqlBuilder()
        rows = await q.fetch(
            f"SELECT r.{column} AS target, r.rating AS rating, COUNT(*) AS n,"
            " SUM(CASE WHEN r.recommend THEN 1 ELSE 0 END) AS rec FROM review r"
            f" WHERE r.{column} {q.in_ints(k.id for k in group)} AND r.status = 'PUBLISHED'"
            f" GROUP BY r.{column}, r.rating"
        )
        by_target = grouped_by(rows, lambda row: int(row["target"]))
        for key in group:
            target_rows = by_target.get(key.id, [])
            results[key] = RatingCounts(
                by_rating={int(r["rating"]): int(r["n"]) for r in target_rows},
                recommend=sum(int(r["rec"]) for r in target_rows),
            )
    return [results[key] for key in keys]


@dataclass(frozen=True)
class ReviewsKey:
    """One page of a target's published reviews, newest first."""

    kind: TargetKind
    id: int
    first: int
    after: Key | None


async def load_reviews_by_target(keys: Sequence[ReviewsKey]) -> list[list[models.Review]]:
    """Up to first + 1 reviews per target (the extra row tells there is a next page)."""
    results: dict[ReviewsKey, list[models.Review]] = {}
    for (kind, first, after), group in group_keys(
        keys, lambda k: (k.kind, k.first, k.after)
    ).items():
        column = OWNER_COLUMN[kind]
        q = SqlBuilder()
        where = [f"r.{column} {q.in_ints(k.id for k in group)}", "r.status = 'PUBLISHED'"]
        if after is not None:
            created, review_id = after
            assert isinstance(created, datetime)
            where.append(f"(r.created_at, r.id) < ({q.dt(created)}, {q.p(review_id)})")
        rows = await q.fetch(
            f"SELECT * FROM (SELECT {columns(models.Review, 'r')}, ROW_NUMBER() OVER"
            f" (PARTITION BY r.{column} ORDER BY r.created_at DESC, r.id DESC) AS _rn"
            f" FROM review r WHERE {' AND '.join(where)}) t"
            f" WHERE t._rn <= {q.p(first + 1)} ORDER BY t.{column}, t._rn"
        )
        for row in rows:
            row.pop("_rn")
        reviews = grouped_by(models_from_rows(models.Review, rows), attrgetter(column))
        for key in group:
            results[key] = reviews.get(key.id, [])
    return [results[key] for key in keys]


async def load_reviews(keys: Sequence[int]) -> list[models.Review | None]:
    """Published reviews by id (others are as missing as unknown ones)."""
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT {columns(models.Review, 'r')} FROM review r"
        f" WHERE r.id {q.in_ints(keys)} AND r.status = 'PUBLISHED'"
    )
    found = {r.pk: r for r in models_from_rows(models.Review, rows)}
    return [found.get(key) for key in keys]
