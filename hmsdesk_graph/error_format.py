"""Turning GraphQL errors into the public shape: a code on every error, internals masked.

Coded errors (``HmsdeskError``) keep their message; parse and validation errors are the
client's fault and keep theirs (with any echoed variable value redacted); everything else
becomes INTERNAL with a fixed message and is logged with context, never with variables.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import GraphQLError

from hmsdesk_graph.errors import ErrorCode, HmsdeskError

logger = logging.getLogger("hmsdesk_graph.errors")

INTERNAL_MESSAGE = "Internal server error."

_TOO_COMPLEX = (
    re.compile(r"exceeds maximum operation depth"),
    re.compile(r"aliases found\. Allowed"),
    re.compile(r"Document contains more than \d+ tokens"),
    re.compile(r"more than \d+ directives"),
)
# graphql-core echoes an invalid variable's value; it may be personal data.
_ECHOED_VALUE = re.compile(r"got invalid value .*?;", re.DOTALL)


def error_code(error: GraphQLError) -> ErrorCode:
    """The public code of a GraphQL error."""
    original = error.original_error
    if isinstance(original, HmsdeskError):
        return original.code
    if original is not None:
        return ErrorCode.INTERNAL
    code = (error.extensions or {}).get("code")
    if isinstance(code, str) and code in ErrorCode.__members__:
        return ErrorCode(code)
    if any(p.search(error.message) for p in _TOO_COMPLEX):
        return ErrorCode.QUERY_TOO_COMPLEX
    return ErrorCode.BAD_USER_INPUT


def format_error(error: GraphQLError) -> dict[str, Any]:
    """The JSON form of one error as clients receive it."""
    code = error_code(error)
    original = error.original_error
    if code is ErrorCode.INTERNAL:
        message = INTERNAL_MESSAGE
        extensions: dict[str, Any] = {}
    elif isinstance(original, HmsdeskError):
        message = original.message
        extensions = dict(original.extensions)
    else:
        message = _ECHOED_VALUE.sub("got invalid value (redacted);", error.message)
        extensions = {}
    extensions["code"] = code.value
    body: dict[str, Any] = {"message": message, "extensions": extensions}
    if error.locations:
        body["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        body["path"] = list(error.path)
    return body


def log_unexpected(error: GraphQLError, operation: str | None) -> None:
    """Log an unexpected error with its traceback; expected ones only at debug level."""
    if error_code(error) is ErrorCode.INTERNAL:
        logger.error(
            "unexpected error in operation=%s path=%s: %s",
            operation or "-",
            ".".join(str(p) for p in error.path or ()),
            type(error.original_error).__name__,
            exc_info=error.original_error,
        )
    else:
        logger.debug("client error in operation=%s code=%s", operation or "-", error_code(error))


def http_error_body(message: str, code: ErrorCode = ErrorCode.BAD_USER_INPUT) -> dict[str, Any]:
    """A GraphQL-shaped body for failures before execution (bad JSON, body too large)."""
    return {"errors": [{"message": message, "extensions": {"code": code.value}}]}
