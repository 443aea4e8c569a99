"""The unit the generators hand to the writer: one table's columns and a stream of row tuples."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Row = tuple[Any, ...]


@dataclass
class TableRows:
    """Rows for one table, generated lazily; `total` is known up front for progress bars."""

    table: str
    columns: Sequence[str]
    rows: Iterable[Row]
    total: int
    # Rows already in memory or made with next to no work: PostgreSQL's deferred index builds
    # are not started in their shadow (seed.writer.PostgresWriter).
    cheap: bool = False
