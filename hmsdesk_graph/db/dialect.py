"""Positional SQL that runs the same on PostgreSQL and SQLite: placeholders, and a list of ids
as one parameter (for statements written by hand without `db.sql.SqlBuilder`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson


def placeholders(postgres: bool, count: int) -> list[str]:
    """`$1` … `$count`, or `?1` … `?count` on SQLite (numbered on both, like `SqlBuilder`)."""
    return [f"${i}" if postgres else f"?{i}" for i in range(1, count + 1)]


def id_in(postgres: bool, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """The condition `<column> IN ids` with the ids as the statement's only parameter (so the
    text never varies with how many), and that parameter."""
    if postgres:
        return "= ANY($1::int[])", [list(ids)]
    return "IN (SELECT value FROM json_each(?))", [orjson.dumps(list(ids)).decode()]
