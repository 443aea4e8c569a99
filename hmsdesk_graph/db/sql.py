"""Hand-written SQL that runs the same on PostgreSQL and SQLite.

Hot loaders write their SQL by hand (DESIGN §9: `= ANY($1::int[])` beats the ORM's `IN` plan);
`SqlBuilder` hides the two dialects' placeholders and list parameters, and `fetch_models`
turns rows back into tortoise model instances with the backend's type conversions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from hmsdesk_graph.db import derived
from hmsdesk_graph.db.connection import is_postgres, read_connection

M = TypeVar("M", bound=Model)


class SqlBuilder:
    """Collects parameters and renders placeholders for one statement on one dialect."""

    def __init__(self, conn: BaseDBAsyncClient | None = None) -> None:
        self.conn = conn or read_connection()
        self.postgres = is_postgres(self.conn)
        self.params: list[Any] = []

    def p(self, value: Any) -> str:
        """A placeholder bound to `value`."""
        self.params.append(value)
        # Numbered on both backends, so a fragment may use its placeholder more than once.
        return f"${len(self.params)}" if self.postgres else f"?{len(self.params)}"

    def in_ints(self, values: Iterable[int]) -> str:
        """`IN <list of ints>` as one parameter, so the statement text never varies with size."""
        ints = [int(v) for v in values]
        if self.postgres:
            return f"= ANY({self.p(ints)}::int[])"
        return f"IN (SELECT value FROM json_each({self.p(orjson.dumps(ints).decode())}))"

    def dt(self, value: datetime) -> str:
        """A placeholder for a timestamp, in the form the backend stores (SQLite: text)."""
        utc = value.astimezone(UTC)
        return self.p(utc if self.postgres else str(utc))

    def in_texts(self, values: Iterable[str]) -> str:
        texts = [str(v) for v in values]
        if self.postgres:
            return f"= ANY({self.p(texts)}::text[])"
        return f"IN (SELECT value FROM json_each({self.p(orjson.dumps(texts).decode())}))"

    def lower_like(self, column: str, needle: str) -> str:
        """Case-insensitive substring match on `column`."""
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"LOWER({column}) LIKE {self.p('%' + escaped.lower() + '%')} ESCAPE '\\'"

    async def fetch(self, sql: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = await self.conn.execute_query_dict(sql, self.params)
        return rows

    async def fetch_rows(self, sql: str) -> Sequence[Any]:
        """The driver's own read-only rows (asyncpg Records, sqlite3.Row), indexed by column
        name: for readers that never change a row, without a dict copied per row."""
        _, rows = await self.conn.execute_query(sql, self.params)
        return rows


def models_from_rows(model: type[M], rows: Sequence[dict[str, Any]]) -> list[M]:
    """Model instances from `SELECT t.*` rows, dicts or the driver's rows (tortoise reads each
    field's column by name and ignores any other; the derived lists are kept aside)."""
    built = [model._init_from_db(**row) for row in rows]
    lists = derived.LISTS.get(model._meta.db_table)
    if lists and rows and all(column in rows[0] for column in lists):
        for instance, row in zip(built, rows, strict=True):
            derived.keep(instance, row)
    return built


# Links that identify a person without holding personal data themselves.
_PRIVATE_LINKS = {"review": {"patient_id", "appointment_id"}}


def is_private_column(name: str, table: str = "") -> bool:
    """Ciphertext and lookup-hash columns hold personal data; some links identify a person."""
    return name.endswith(("_ciphertext", "_hash")) or name in _PRIVATE_LINKS.get(table, ())


@cache  # a pure function of the model's fields, built on every read otherwise
def columns(model: type[Model], alias: str, leave_out: frozenset[str] = frozenset()) -> str:
    """Every column of `model` for a public read (private columns come back as NULL), and the
    table's derived lists (`db.derived`); none of `leave_out` (a lean read's unread columns).

    The graph's loaders never fetch personal data, so no row they hand out can leak it.
    """
    return ", ".join(column_list(model, alias, leave_out))


def column_list(
    model: type[Model], alias: str, leave_out: frozenset[str] = frozenset()
) -> list[str]:
    """`columns` as a list, one select item each."""
    rendered = []
    for name in sorted(model._meta.db_fields - leave_out):
        if is_private_column(name, model._meta.db_table):
            rendered.append(f'NULL AS "{name}"')
        else:
            rendered.append(f'{alias}."{name}"')
    # The derived lists (not model fields: a model ignores them, a lean row keeps them).
    rendered += [f'{alias}."{name}"' for name in derived.LISTS.get(model._meta.db_table, ())]
    return rendered
