"""Rows of one table by primary key, for the loaders that fetch whole objects by id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from tortoise.models import Model

from hmsdesk_graph.db.sql import SqlBuilder, models_from_rows
from hmsdesk_graph.loaders.base import in_key_order

M = TypeVar("M", bound=Model)


async def load_by_id(
    model: type[M], keys: Sequence[int], select: str, alias: str, condition: str = ""
) -> list[M | None]:
    """One statement for all `keys`: `select` is the column list (public `columns()` or the
    private one), `condition` an extra SQL filter (`AND ...`); a key it leaves out is None."""
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT {select} FROM {model._meta.db_table} {alias}"
        f" WHERE {alias}.id {q.in_ints(keys)}{condition}"
    )
    found = {row.pk: row for row in models_from_rows(model, rows)}
    return in_key_order(keys, found, None)
