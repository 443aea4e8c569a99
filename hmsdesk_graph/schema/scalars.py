"""One rule for every instant the API answers: ISO 8601 in UTC, with the offset `+00:00`.

Slots came back in India time and everything else in UTC; clients had to handle both. Inputs
still take any offset (a slot may be sent as `…T10:15:00+05:30`).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition


def serialize_instant(value: datetime) -> str:
    """An instant in UTC; a naive value is already UTC (storage is UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


UTC_DATETIME: ScalarDefinition = dataclasses.replace(
    DateTimeDefinition,
    description="An instant: ISO 8601 in UTC with the offset +00:00 (inputs take any offset).",
    serialize=serialize_instant,
)
