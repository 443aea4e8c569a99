"""Pages of rows for many parents in one statement: the first N rows of each group."""

from __future__ import annotations

from datetime import datetime
from operator import itemgetter
from typing import Any

from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.loaders.base import grouped_by
from hmsdesk_graph.pagination import Key


async def first_rows_per_group(
    q: SqlBuilder,
    table: str,
    alias: str,
    select: str,
    group_by: str,
    order_by: str,
    where: list[str],
    limit: int,
) -> dict[Any, list[Any]]:
    """The first `limit` rows of each `group_by` value in `order_by` order, keyed by that
    value: a ROW_NUMBER window, so all the groups cost one statement however many there are.
    `select`, `order_by` and `where` name the columns with `alias`."""
    # The driver's read-only rows: model and lean reads take their columns and leave `_rn`.
    rows = await q.fetch_rows(
        f"SELECT * FROM (SELECT {select}, ROW_NUMBER() OVER"
        f" (PARTITION BY {alias}.{group_by} ORDER BY {order_by}) AS _rn"
        f" FROM {table} {alias} WHERE {' AND '.join(where)}) x"
        f" WHERE x._rn <= {q.p(limit)} ORDER BY x.{group_by}, x._rn"
    )
    return grouped_by(rows, itemgetter(group_by))


def before(q: SqlBuilder, columns: str, after: Key) -> str:
    """The keyset condition for rows after cursor `after` in (time DESC, id DESC) order."""
    at, pk = after
    assert isinstance(at, datetime)
    return f"({columns}) < ({q.dt(at)}, {q.p(pk)})"
