"""A row's columns shown as they are, for a type's `from_row`."""

from __future__ import annotations

from typing import Any


def columns(row: object, *names: str) -> dict[str, Any]:
    """The row's columns of these names, unchanged: keyword arguments for a type whose fields of
    the same names show the column as it is (the type's class body declares each field, with
    its GraphQL type; `from_row` spells out only the fields it converts or computes)."""
    return {name: getattr(row, name) for name in names}
