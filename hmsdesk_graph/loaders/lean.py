"""Lean rows for reads: a row read for display, without model hydration.

`lean_rows(Model, rows)` wraps `SELECT` rows in a read-only object that answers the model's
attribute names, converting a column (exactly as tortoise's `_init_from_db` would) only when
it is read. A screen that never shows a jsonb column never decodes it, and no model instance is
built. A read may leave out the columns its plan never reads (`leave_out`): reading one of
those from the row raises (KeyError, IndexError), and the compiled path then hands the request
to the general executor, so a missed column costs speed, never a wrong answer. Lean rows are
for the compiled read path (issue 10): never save them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, ClassVar

from tortoise.models import Model

from hmsdesk_graph.db.sql import SqlBuilder, columns, is_private_column

Convert = Callable[[Any], Any]


class LeanRow:
    """Columns of one row under the model's attribute names, converted on read."""

    __slots__ = ("_raw",)
    _pk: ClassVar[str] = "id"

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    @property
    def pk(self) -> Any:
        return self._raw[type(self)._pk]


def _native(key: str) -> Convert:
    return lambda raw: raw[key]


def _default(key: str, field_type: Callable[[Any], Any]) -> Convert:
    def convert(raw: Any) -> Any:
        value = raw[key]
        return None if value is None else field_type(value)

    return convert


def _complex(key: str, to_python: Callable[[Any], Any]) -> Convert:
    return lambda raw: to_python(raw[key])


def _field(convert: Convert) -> property:
    # A property per field: a plain descriptor read, not a failed lookup then __getattr__.
    return property(lambda row: convert(row._raw))


@cache
def lean_class(model: type[Model], prefix: str = "") -> type[LeanRow]:
    """The lean row class of `model`, with its fields' conversions (those of _init_from_db).

    With a `prefix`, the row's columns are read as `<prefix><column>`: the joined row of
    `prefixed_columns` is wrapped as it is, never split into one dict per table.
    """
    meta = model._meta
    convert: dict[str, Convert] = {}
    for key, name, _ in meta.db_native_fields:
        convert[name] = _native(prefix + key)
    for key, name, field in meta.db_default_fields:
        convert[name] = _default(prefix + key, field.field_type)
    for key, name, field in meta.db_complex_fields:
        convert[name] = _complex(prefix + key, field.to_python_value)
    namespace: dict[str, Any] = {name: _field(c) for name, c in convert.items() if name != "pk"}
    namespace.update({"__slots__": (), "_pk": prefix + "id"})
    return type(f"Lean{model.__name__}", (LeanRow,), namespace)


@cache
def prefixed_columns(
    model: type[Model], alias: str, prefix: str, leave_out: frozenset[str] = frozenset()
) -> str:
    """`columns(model, alias, leave_out)` renamed `<prefix><column>`, for a joined read of
    several tables (private columns still come back as NULL)."""
    rendered = []
    for name in sorted(model._meta.db_fields - leave_out):
        source = "NULL" if is_private_column(name, model._meta.db_table) else f'{alias}."{name}"'
        rendered.append(f'{source} AS "{prefix}{name}"')
    return ", ".join(rendered)


def lean_rows(model: type[Model], rows: Sequence[Any]) -> list[Any]:
    """Lean rows of `model` from `SELECT` rows of its columns (extra columns are ignored)."""
    cls = lean_class(model)
    return [cls(row) for row in rows]


async def lean_by_ids(
    model: type[Model], ids: Sequence[int] | None, leave_out: frozenset[str] = frozenset()
) -> dict[int, Any]:
    """Lean rows of `model` by id (public columns only, like every loader, none of
    `leave_out`); every row of the table when `ids` is None."""
    if ids is not None and not ids:
        return {}
    q = SqlBuilder()
    table = model._meta.db_table
    where = "" if ids is None else f" WHERE t.id {q.in_ints(ids)}"
    rows = await q.fetch_rows(f'SELECT {columns(model, "t", leave_out)} FROM "{table}" t{where}')
    return {int(row["id"]): lean_class(model)(row) for row in rows}
