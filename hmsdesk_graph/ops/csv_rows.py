"""`query --format csv`: a GraphQL result as one table, flattened by fixed rules.

- The operation has one top-level field: a list (one row per item) or a connection (one row
  per edge).
- Object fields become dotted columns: `city.slug`.
- A connection's edge fields other than `node` become `edge.` columns (`edge.sponsored`,
  `edge.distanceKm`, `edge.cursor`); the node's fields keep their own names.
- A nested list stays in its row: each leaf path becomes one column whose values are joined
  with "; " in list order (`specialties.name` = "Cardiology; ENT"), with an empty part where
  an item has no value, so the parts of two columns line up item by item. Nested
  connections are lists too (`reviews.edges.node.rating`).
- true/false for booleans, an empty cell for null.
- What is not per row (a top-level connection's `totalCount`, `pageInfo`, facets) is left
  out and named in `left_out`; `--format json` has everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEPARATOR = "; "


@dataclass
class CsvTable:
    """The rows, the columns in first-seen order, and the top-level fields left out."""

    rows: list[dict[str, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def cell(value: Any) -> str:
    """One scalar as CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    """Add `value`'s leaves to `out` under dotted names starting with `prefix`."""
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(_join(prefix, key), item, out)
    elif isinstance(value, list):
        items: list[dict[str, str]] = []
        for item in value:
            flat: dict[str, str] = {}
            flatten(prefix, item, flat)
            items.append(flat)
        keys: list[str] = []
        for flat in items:
            keys.extend(k for k in flat if k not in keys)
        for key in keys:
            out[key] = SEPARATOR.join(flat.get(key, "") for flat in items)
        if not keys:
            out[prefix] = ""  # an empty list (or a list of empty objects): the column exists
    else:
        out[prefix] = cell(value)


def csv_table(data: dict[str, Any]) -> CsvTable:
    """Flatten a result's data; raises ValueError when it is not one list or connection."""
    if len(data) != 1:
        raise ValueError("csv output needs exactly one top-level field")
    ((name, value),) = data.items()
    table = CsvTable()
    if isinstance(value, dict) and isinstance(value.get("edges"), list):
        table.left_out = [f"{name}.{key}" for key in value if key != "edges"]
        for edge in value["edges"]:
            row: dict[str, str] = {}
            edge = edge if isinstance(edge, dict) else {}
            if isinstance(edge.get("node"), dict):
                flatten("", edge["node"], row)
            for key, item in edge.items():
                if key != "node":
                    flatten(_join("edge", key), item, row)
            table.rows.append(row)
    elif isinstance(value, list):
        for item in value:
            row = {}
            if isinstance(item, dict):
                flatten("", item, row)
            else:  # a list of scalars: one column named after the field
                row[name] = cell(item)
            table.rows.append(row)
    else:
        raise ValueError("csv output needs the top-level field to be a list or a connection")
    for row in table.rows:
        table.columns.extend(k for k in row if k not in table.columns)
    return table
