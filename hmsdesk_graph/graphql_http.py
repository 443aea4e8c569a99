"""The /graphql HTTP endpoint: request parsing, limits, execution and the JSON response.

Written by hand rather than with strawberry's view so that every failure, including the ones
before execution (bad JSON, oversized body, mutation over GET), answers with a GraphQL-shaped
body and a code, and so the response is serialised with orjson.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from hmsdesk_graph.api import HmsdeskSchema
from hmsdesk_graph.config import Settings
from hmsdesk_graph.context import Context
from hmsdesk_graph.db.statements import StatementCounter, counting
from hmsdesk_graph.error_format import format_error, http_error_body
from hmsdesk_graph.errors import ErrorCode, Unauthenticated

logger = logging.getLogger("hmsdesk_graph.http")

ContextFactory = Callable[[Request, Settings], Context]


class RequestRejected(Exception):
    """The HTTP request cannot be executed; carries the status and public message."""

    def __init__(self, status: int, message: str, code: ErrorCode = ErrorCode.BAD_USER_INPUT):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise RequestRejected(413, f"The request body exceeds {limit} bytes.")
        except ValueError:
            raise RequestRejected(400, "Content-Length is not a number.") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestRejected(413, f"The request body exceeds {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _decode_json(raw: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RequestRejected(400, f"{what} is not valid JSON.") from None


def _operation_from(payload: Any) -> tuple[str, dict[str, Any] | None, str | None]:
    if not isinstance(payload, dict):
        raise RequestRejected(400, "The request body must be a JSON object.")
    query = payload.get("query")
    if not isinstance(query, str) or not query.strip():
        raise RequestRejected(400, "The request has no GraphQL query.")
    variables = payload.get("variables")
    if isinstance(variables, str) and variables:
        variables = _decode_json(variables, "variables")
    if variables is not None and not isinstance(variables, dict):
        raise RequestRejected(400, "variables must be a JSON object.")
    operation_name = payload.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestRejected(400, "operationName must be a string.")
    return query, variables or None, operation_name or None


async def _parse_request(request: Request, settings: Settings) -> tuple[str, Any, Any]:
    if request.method == "GET":
        params = request.query_params
        return _operation_from(
            {
                "query": params.get("query"),
                "variables": params.get("variables"),
                "operationName": params.get("operationName"),
            }
        )
    content_type = request.headers.get("content-type", "")
    if "json" not in content_type:
        raise RequestRejected(415 if content_type else 400, "Send the request as application/json.")
    body = await _read_body(request, settings.max_body_bytes)
    return _operation_from(_decode_json(body, "The request body"))


class GraphQLEndpoint:
    """ASGI handler for /graphql bound to one schema and settings."""

    def __init__(
        self, schema: HmsdeskSchema, settings: Settings, context_factory: ContextFactory
    ) -> None:
        self.schema = schema
        self.settings = settings
        self.context_factory = context_factory

    async def handle(self, request: Request) -> Response:
        if request.method not in {"GET", "POST"}:
            return json_response(
                http_error_body("Use GET or POST."), status=405, headers={"Allow": "GET, POST"}
            )
        try:
            query, variables, operation_name = await _parse_request(request, self.settings)
        except RequestRejected as rejected:
            return json_response(http_error_body(rejected.message, rejected.code), rejected.status)
        return await self.execute(request, query, variables, operation_name)

    async def execute(
        self,
        request: Request,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
    ) -> Response:
        try:
            context = self.context_factory(request, self.settings)
        except Unauthenticated as exc:
            return json_response(
                http_error_body(exc.message, ErrorCode.UNAUTHENTICATED),
                status=401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        context.audit.operation = operation_name
        allowed = (
            {OperationType.QUERY}
            if request.method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        counter = StatementCounter() if self.settings.count_statements else None
        context.statements = counter
        try:
            with counting(counter) if counter else nullcontext():
                result = await self.schema.execute(
                    query,
                    variable_values=variables,
                    context_value=context,
                    operation_name=operation_name,
                    allowed_operation_types=allowed,
                )
        except InvalidOperationTypeError:
            return json_response(
                http_error_body("Mutations must be sent with POST."),
                status=405,
                headers={"Allow": "POST"},
            )
        except CannotGetOperationTypeError as exc:
            return json_response(http_error_body(exc.as_http_error_reason()), status=400)
        try:
            await context.audit.flush()
        except Exception:
            # Personal data read without its audit record is never sent.
            logger.exception("writing the audit trail failed; the response is withheld")
            return json_response(
                http_error_body("Internal server error.", ErrorCode.INTERNAL), status=500
            )
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [format_error(e) for e in result.errors]
        body["data"] = result.data
        if counter is not None:
            body["extensions"] = {"sqlStatements": counter.count}
        # Nothing ran (parse or validation failed): a request error, per GraphQL over HTTP.
        status = 400 if result.data is None and result.errors else 200
        return json_response(body, status=status)
