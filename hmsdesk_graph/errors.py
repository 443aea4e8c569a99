"""The exception tree and the public error codes (DESIGN §7).

Resolvers raise these for failures a client can cause; anything else is unexpected and is
masked as INTERNAL by the endpoint.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    # Persisted operations: Apollo's APQ code (clients re-send the document on it), and ours for
    # a document a production deployment does not accept from anonymous viewers.
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_NOT_ALLOWED = "PERSISTED_QUERY_NOT_ALLOWED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    UPSTREAM_TIMEOUT = "UPSTREAM_TIMEOUT"
    TIMEOUT = "TIMEOUT"
    INTERNAL = "INTERNAL"


class HmsdeskError(Exception):
    """A failure the client can see: its message is public, its code is stable.

    A subclass names its code in its class line (`class NotFound(HmsdeskError,
    code=ErrorCode.NOT_FOUND)`), so the table below reads one error per line.
    """

    code: ErrorCode = ErrorCode.INTERNAL

    def __init_subclass__(cls, *, code: ErrorCode | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class BadUserInput(HmsdeskError, code=ErrorCode.BAD_USER_INPUT): ...


class Unauthenticated(HmsdeskError, code=ErrorCode.UNAUTHENTICATED): ...


class Forbidden(HmsdeskError, code=ErrorCode.FORBIDDEN): ...


class NotFound(HmsdeskError, code=ErrorCode.NOT_FOUND): ...


class Conflict(HmsdeskError, code=ErrorCode.CONFLICT): ...


class RateLimited(HmsdeskError, code=ErrorCode.RATE_LIMITED): ...


class QueryTooComplex(HmsdeskError, code=ErrorCode.QUERY_TOO_COMPLEX): ...


class UpstreamUnavailable(HmsdeskError, code=ErrorCode.UPSTREAM_UNAVAILABLE): ...


class UpstreamTimeout(HmsdeskError, code=ErrorCode.UPSTREAM_TIMEOUT): ...


class RequestTimeout(HmsdeskError, code=ErrorCode.TIMEOUT):
    """The request ran past its wall-clock deadline and was cancelled: the server's failure
    (a gateway-style timeout), not the client's."""

    # The status of a response this error ends (like a gateway timeout): a server-side fault.
    http_status = 504
