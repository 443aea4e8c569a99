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
# graphql-core 3.3 coercion errors: "Variable '$x' has invalid value.a.b: Expected value of
# type 'T' <reason>, found: <value>." Only the variable, path, type and reason are kept.
_VARIABLE_ERROR = re.compile(
    r"^(?P<head>Variable '\$\w+' has invalid (?:default )?value[\w.\[\]]*): "
    r"(?P<expected>Expected value of (?:non-null )?type '[^']+')"
    r"(?P<reason> not to include unknown field '\w+'| to include required field '\w+'"
    r"| to be an object| not to be None| to be provided)?"
)
_VARIABLE_PREFIX = re.compile(r"^Variable '\$\w+' ")
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
# Database refusals of a value the client sent (too large, too complex a pattern).
_DB_INPUT_REFUSALS = (
    "out of range",
    "too complex",
    "too large to convert",
    "int64",
    "integer out of range",
    "invalid byte sequence",
)


def error_code(error: GraphQLError) -> ErrorCode:
    """The public code of a GraphQL error."""
    original = error.original_error
    if isinstance(original, HmsdeskError):
        return original.code
    if _VARIABLE_PREFIX.match(error.message) and not error.path:
        # Variable coercion (before execution) wraps its own GraphQLError: the client's fault.
        return ErrorCode.BAD_USER_INPUT
    if original is not None:
        return ErrorCode.BAD_USER_INPUT if _refused_input(original) else ErrorCode.INTERNAL
    code = (error.extensions or {}).get("code")
    if isinstance(code, str) and code in ErrorCode.__members__:
        return ErrorCode(code)
    if any(p.search(error.message) for p in _TOO_COMPLEX):
        return ErrorCode.QUERY_TOO_COMPLEX
    return ErrorCode.BAD_USER_INPUT


def _refused_input(exc: BaseException) -> bool:
    """Whether the database refused a value the client sent (SQLite/PostgreSQL overflow)."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, OverflowError):
            return True
        text = str(seen).lower()
        name = type(seen).__name__
        database_refusal = name in {
            "DataError",
            "NumericValueOutOfRangeError",
            "CharacterNotInRepertoireError",
        } or ("operationalerror" in name.lower() and "too complex" in text)
        if database_refusal and any(marker in text for marker in _DB_INPUT_REFUSALS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _client_message(error: GraphQLError) -> str:
    """The message of a client error without any echoed value."""
    matched = _VARIABLE_ERROR.match(error.message)
    if matched:
        return f"{matched['head']}: {matched['expected']}{matched['reason'] or ''}."
    if _VARIABLE_PREFIX.match(error.message) and " has invalid" in error.message:
        return error.message.split(":", 1)[0] + ": the value is not valid."
    return _ECHOED_VALUE.sub("got invalid value (redacted);", error.message)


def format_error(error: GraphQLError, suggestions: bool = True) -> dict[str, Any]:
    """The JSON form of one error as clients receive it.

    `suggestions=False` (outside development) strips graphql-core's "Did you mean …?" hints,
    which would list the schema's fields, arguments, types and enum values to strangers.
    """
    code = error_code(error)
    original = error.original_error
    if code is ErrorCode.INTERNAL:
        message = INTERNAL_MESSAGE
        extensions: dict[str, Any] = {}
    elif isinstance(original, HmsdeskError):
        message = original.message
        extensions = dict(original.extensions)
    elif original is not None and _refused_input(original):
        message = "A value is out of the accepted range."
        extensions = {}
    else:
        message = _client_message(error)
        extensions = {}
    if not suggestions:
        message = _SUGGESTION.sub("", message)
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
