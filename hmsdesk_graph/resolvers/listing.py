"""Listings ordered by name then id, paged with keyset cursors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tortoise.models import Model

from hmsdesk_graph.context import Info
from hmsdesk_graph.db.sql import SqlBuilder, columns, models_from_rows
from hmsdesk_graph.pagination import Page
from hmsdesk_graph.schema.connection import Connection, make_connection

M = TypeVar("M", bound=Model)
N = TypeVar("N")


async def name_ordered_page(
    info: Info,
    model: type[M],
    where: Callable[[SqlBuilder], list[str]],
    scope: str,
    first: int | None,
    after: str | None,
    node: Callable[[M], N],
) -> tuple[list[M], Connection[N]]:
    """A page of `model` rows by name then id, with a keyset cursor bound to `scope`."""
    ctx = info.context
    page: Page = ctx.cursors.page(scope, first, after, ctx.settings)
    table = model._meta.db_table
    q = SqlBuilder()
    conditions = where(q)
    if page.after is not None:
        conditions.append(f"(t.name, t.id) > ({q.p(page.after[0])}, {q.p(page.after[1])})")
    rows = models_from_rows(
        model,
        await q.fetch(
            f'SELECT {columns(model, "t")} FROM "{table}" t WHERE {" AND ".join(conditions)}'
            f" ORDER BY t.name, t.id LIMIT {q.p(page.first + 1)}"
        ),
    )

    async def count() -> int:
        cq = SqlBuilder()
        result = await cq.fetch(
            f'SELECT COUNT(*) AS n FROM "{table}" t WHERE {" AND ".join(where(cq))}'
        )
        return int(result[0]["n"])

    connection = make_connection(
        rows,
        page,
        scope=scope,
        codec=ctx.cursors,
        key=lambda r: (r.name, r.pk),  # type: ignore[attr-defined]
        node=node,
        count=count,
    )
    return rows, connection
