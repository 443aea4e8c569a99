"""Batch functions for reviews: summaries per target and pages of published reviews."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import TargetKind
from hmsdesk_graph.db.sql import SqlBuilder, columns, models_from_rows
from hmsdesk_graph.loaders.base import group_keys, grouped_by
from hmsdesk_graph.loaders.by_id import load_by_id
from hmsdesk_graph.loaders.lean import lean_rows
from hmsdesk_graph.loaders.paging import before, first_rows_per_group
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


async def load_reviews_by_target(
    keys: Sequence[ReviewsKey], lean: bool = False
) -> list[list[models.Review]]:
    """Up to first + 1 reviews per target (the extra row tells there is a next page); lean
    rows (`loaders.lean`) with `lean`."""
    build = lean_rows if lean else models_from_rows
    results: dict[ReviewsKey, list[models.Review]] = {}
    for (kind, first, after), group in group_keys(
        keys, lambda k: (k.kind, k.first, k.after)
    ).items():
        column = OWNER_COLUMN[kind]
        q = SqlBuilder()
        where = [f"r.{column} {q.in_ints(k.id for k in group)}", "r.status = 'PUBLISHED'"]
        if after is not None:
            where.append(before(q, "r.created_at, r.id", after))
        select, order = columns(models.Review, "r"), "r.created_at DESC, r.id DESC"
        reviews = await first_rows_per_group(
            q, "review", "r", select, column, order, where, first + 1
        )
        for key in group:
            results[key] = build(models.Review, reviews.get(key.id, []))
    return [results[key] for key in keys]


async def load_reviews(keys: Sequence[int]) -> list[models.Review | None]:
    """Published reviews by id (others are as missing as unknown ones)."""
    published = " AND r.status = 'PUBLISHED'"
    return await load_by_id(models.Review, keys, columns(models.Review, "r"), "r", published)
