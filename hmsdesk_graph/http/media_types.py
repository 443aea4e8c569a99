"""Media types of GraphQL over HTTP: which response type a request accepts, which bodies we read.

The response type is negotiated from ``Accept`` (q-values and specificity, by python-mimeparse).
``application/graphql-response+json`` is the spec's preferred type: it wins ties and is the
default when ``Accept`` is missing (the spec's rule since its 2025-01-01 watershed) or is a
wildcard; ``application/json`` answers clients that ask for it (and only for it).
"""

from __future__ import annotations

import re
from enum import StrEnum

import mimeparse


class ResponseType(StrEnum):
    """The two response media types of the GraphQL-over-HTTP spec."""

    JSON = "application/json"
    GRAPHQL_RESPONSE = "application/graphql-response+json"

    @property
    def content_type(self) -> str:
        """The Content-Type header value (the spec asks servers to name the encoding)."""
        return f"{self.value}; charset=utf-8"


# Ascending preference: python-mimeparse gives ties to the later entry.
_OFFERED = (ResponseType.JSON, ResponseType.GRAPHQL_RESPONSE)
_UTF8 = frozenset({"utf-8", "utf8"})
# RFC 9110 token characters: a media type is `token/token`.
_ESSENCE = re.compile(r"^[!#$%&'*+.^_`|~0-9a-z-]+/[!#$%&'*+.^_`|~0-9a-z-]+$")
ACCEPTED_REQUEST_TYPE = "application/json"


def negotiate(accept: str | None) -> ResponseType | None:
    """The response type for an ``Accept`` header, or None when none is acceptable (406)."""
    if accept is None or not accept.strip():
        return ResponseType.GRAPHQL_RESPONSE
    ranges = []
    for part in accept.lower().split(","):
        if not part.strip():
            continue
        try:
            media_range = mimeparse.parse_media_range(part)
        except ValueError:
            continue  # an unreadable range accepts nothing
        # Responses are UTF-8 only: a range asking for another charset does not match.
        if media_range[2].get("charset", "utf-8") in _UTF8:
            ranges.append(media_range)
    best: tuple[tuple[float, float], ResponseType] | None = None
    for offered in _OFFERED:
        quality, fitness = mimeparse.quality_and_fitness_parsed(offered.value, ranges)
        if quality > 0 and (best is None or (quality, fitness) >= best[0]):
            best = ((quality, fitness), offered)
    return best[1] if best else None


def essence(content_type: str | None) -> str | None:
    """The ``type/subtype`` of a Content-Type value, lower-cased; None if absent or unreadable."""
    if content_type is None:
        return None
    value = content_type.split(";", 1)[0].strip().lower()
    return value if _ESSENCE.match(value) else None


def readable_request_body(content_type: str | None) -> bool:
    """Whether a POST body of this Content-Type is one we read: application/json in UTF-8."""
    if content_type is None or essence(content_type) != ACCEPTED_REQUEST_TYPE:
        return False
    try:
        _, _, params = mimeparse.parse_mime_type(content_type.lower())
    except ValueError:
        return False
    return params.get("charset", "utf-8") in _UTF8
