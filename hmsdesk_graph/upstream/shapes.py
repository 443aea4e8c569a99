"""Shape checks shared by the partner clients: a value the contract promises, or UnexpectedShape."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hmsdesk_graph.upstream.errors import Service, UnexpectedShape


def aware_datetime(service: Service, value: Any, what: str, absent: str) -> datetime:
    """`value` as an ISO 8601 date-time with a UTC offset (naive times are ambiguous across
    the partners' time zones); `absent` is what the error says of a value that is no string."""
    if not isinstance(value, str):
        raise UnexpectedShape(service, f"{what} {absent}")
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise UnexpectedShape(service, f"{what} is not an ISO 8601 date-time") from None
    if instant.tzinfo is None:
        raise UnexpectedShape(service, f"{what} has no UTC offset")
    return instant
