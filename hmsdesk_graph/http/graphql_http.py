"""The /graphql HTTP endpoint: request parsing, limits, execution and the JSON response.

Written by hand rather than with strawberry's view so that every failure, including the ones
before execution (bad JSON, oversized body, mutation over GET), answers with a GraphQL-shaped
body and a code, and so the response is serialised with orjson.

It follows the GraphQL-over-HTTP spec: the response type is negotiated from ``Accept`` (see
media_types), requests a browser could forge are refused (see csrf), and the status follows the
spec's rules for the chosen type (see ``graphql_status``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import orjson
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from hmsdesk_graph.api.error_format import format_error, http_error_body
from hmsdesk_graph.api.root import HmsdeskSchema
from hmsdesk_graph.compiled import CompiledOperations
from hmsdesk_graph.config import Settings
from hmsdesk_graph.context import Context
from hmsdesk_graph.db.statements import StatementCounter, counting
from hmsdesk_graph.errors import ErrorCode, Unauthenticated
from hmsdesk_graph.http import csrf
from hmsdesk_graph.http.media_types import ResponseType, negotiate, readable_request_body
from hmsdesk_graph.http.persisted import PersistedOperations, PersistedQueryError
from hmsdesk_graph.http.response_cache import Lookup, ResponseCache, watching
from hmsdesk_graph.workers.events import EventRecorder, HeldEvents, ListingEvent

logger = logging.getLogger("hmsdesk_graph.http")

ContextFactory = Callable[[Request, Settings], Context]


class RequestRejected(Exception):
    """Not a well-formed GraphQL-over-HTTP request: answered with `status` whatever the type."""

    def __init__(self, status: int, message: str, code: ErrorCode = ErrorCode.BAD_USER_INPUT):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


class RequestError(Exception):
    """A well-formed request refused before execution: a GraphQL request error (see
    ``graphql_status``: 200 with application/json, 400 with application/graphql-response+json)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# With application/graphql-response+json, a response without `data` (nothing was executed)
# answers "a 4xx or 5xx status code as appropriate": its first error's, else 400.
_REQUEST_ERROR_STATUS = {
    ErrorCode.UNAUTHENTICATED.value: 401,
    ErrorCode.FORBIDDEN.value: 403,
    ErrorCode.RATE_LIMITED.value: 429,
    ErrorCode.INTERNAL.value: 500,
    ErrorCode.UPSTREAM_UNAVAILABLE.value: 503,
    ErrorCode.UPSTREAM_TIMEOUT.value: 504,
    "TIMEOUT": 504,  # the request deadline's code (issue 12, item 2)
}


def graphql_status(response_type: ResponseType, body: dict[str, Any]) -> int:
    """The status of a GraphQL response to a well-formed request, by the spec's rules.

    application/json: always 200 (a client cannot tell a 4xx/5xx JSON body from a proxy's).
    application/graphql-response+json: 200 whenever `data` is present, even null (execution
    ran: a rate limit or an upstream outage is a field error, not a client mistake); without
    `data`, 400 for a request error (parse, validation, variables), or the error's own status.
    """
    if response_type is ResponseType.JSON or "data" in body:
        return 200
    errors = body.get("errors") or [{}]
    return _REQUEST_ERROR_STATUS.get(errors[0].get("extensions", {}).get("code"), 400)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def graphql_response(
    body: dict[str, Any],
    status: int,
    response_type: ResponseType,
    headers: dict[str, str] | None = None,
) -> Response:
    """A response of the negotiated type; it depends on Accept, so caches must vary on it."""
    return Response(
        orjson.dumps(body),
        status_code=status,
        headers={"Vary": "Accept", **(headers or {}), "Content-Type": response_type.content_type},
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


def _nul_path(value: Any, path: str) -> str | None:
    """Where a NUL character sits in `value` (PostgreSQL refuses it in text), if anywhere."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _nul_path(key, path) or _nul_path(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}[{index}]")
            if found:
                return found
    return None


def _refuse_nul(query: str, variables: dict[str, Any] | None) -> None:
    # Names where the NUL is, never the value around it.
    where = "query" if "\x00" in query else None
    for name, value in (variables or {}).items():
        where = where or _nul_path(name, "variables") or _nul_path(value, f"${name}")
    if where:
        raise RequestError(f"Strings must not contain NUL characters (at {where}).")


def _operation_from(payload: Any) -> tuple[str, dict[str, Any] | None, str | None]:
    """The request's parameters, checked as the spec types them (null is the same as absent).

    A query that is a string is well-formed even when empty or unparsable: parsing is the
    GraphQL service's job, and its failure a request error, not a malformed request.
    """
    if not isinstance(payload, dict):
        raise RequestRejected(400, "The request body must be a JSON object.")
    query = payload.get("query")
    if query is None:
        raise RequestRejected(400, "The request has no GraphQL query.")
    if not isinstance(query, str):
        raise RequestRejected(400, "query must be a string.")
    if not query.strip():
        raise RequestError("Syntax Error: the document is empty.")
    variables = payload.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise RequestRejected(400, "variables must be a JSON object.")
    operation_name = payload.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestRejected(400, "operationName must be a string.")
    extensions = payload.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestRejected(400, "extensions must be a JSON object.")
    _refuse_nul(query, variables)
    return query, variables or None, operation_name or None


def _get_parameters(request: Request) -> dict[str, Any]:
    """GET parameters: variables and extensions are JSON text in the URL."""
    params = request.query_params
    payload: dict[str, Any] = {
        "query": params.get("query"),
        "operationName": params.get("operationName"),
        "documentId": params.get("documentId"),
    }
    for name in ("variables", "extensions"):
        raw = params.get(name)
        payload[name] = _decode_json(raw, name) if raw else None
    return payload


async def _read_payload(request: Request, settings: Settings) -> Any:
    if request.method == "GET":
        return _get_parameters(request)
    if not readable_request_body(request.headers.get("content-type")):
        raise RequestRejected(415, "Send the request as application/json (UTF-8).")
    body = await _read_body(request, settings.max_body_bytes)
    return _decode_json(body, "The request body")


class GraphQLEndpoint:
    """ASGI handler for /graphql bound to one schema and settings."""

    def __init__(
        self,
        schema: HmsdeskSchema,
        settings: Settings,
        context_factory: ContextFactory,
        persisted: PersistedOperations | None = None,
        cache: ResponseCache | None = None,
    ) -> None:
        self.schema = schema
        self.settings = settings
        self.context_factory = context_factory
        self.persisted = persisted
        self.compiled = CompiledOperations(schema, settings)
        self.cache = cache

    async def handle(self, request: Request) -> Response:
        if request.method not in {"GET", "POST"}:
            return json_response(
                http_error_body("Use GET or POST."), status=405, headers={"Allow": "GET, POST"}
            )
        response_type = negotiate(request.headers.get("accept"))
        if response_type is None:
            return json_response(
                http_error_body(
                    f"Accept {ResponseType.GRAPHQL_RESPONSE.value} or {ResponseType.JSON.value}."
                ),
                status=406,
                headers={"Vary": "Accept"},
            )
        # Before reading anything: a forged request must not cost work or reach a resolver.
        if not csrf.preflighted(request.headers):
            return graphql_response(http_error_body(csrf.REFUSAL), 400, response_type)
        try:
            payload = await _read_payload(request, self.settings)
            # documentId / APQ hash -> document text (hmsdesk_graph.http.persisted).
            persisted = await self.persisted.resolve(request, payload) if self.persisted else None
            query, variables, operation_name = _operation_from(payload)
        except RequestRejected as rejected:
            body = http_error_body(rejected.message, rejected.code)
            return graphql_response(body, rejected.status, response_type)
        except PersistedQueryError as refused:
            body = http_error_body(refused.message, refused.code)
            return graphql_response(body, refused.status, response_type, refused.headers)
        except RequestError as refused:
            body = http_error_body(refused.message)
            return graphql_response(body, graphql_status(response_type, body), response_type)
        response = await self.execute(request, query, variables, operation_name, response_type)
        if persisted is not None and self.persisted is not None:
            answered = response
            response = await self.persisted.finish(request, response, persisted)
            # A 304 answers too: the client shows the copy it has.
            response.background = answered.background
        return response

    async def execute(
        self,
        request: Request,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        response_type: ResponseType = ResponseType.GRAPHQL_RESPONSE,
    ) -> Response:
        try:
            context = self.context_factory(request, self.settings)
        except Unauthenticated as exc:
            # Decided on a header, not on the GraphQL request: 401 with either type (spec §URL).
            return graphql_response(
                http_error_body(exc.message, ErrorCode.UNAUTHENTICATED),
                401,
                response_type,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        context.audit.operation = operation_name
        # Impressions are recorded once the answer has gone out (a background task runs after
        # the body is sent): a request cancelled at its deadline showed nothing, counts nothing.
        recorder, held = context.events, HeldEvents()
        context.events = held
        if recorder is not None:
            await recorder.admit()  # the event writer is behind: start no faster than it writes
        allowed = (
            {OperationType.QUERY}
            if request.method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        counter = StatementCounter() if self.settings.count_statements else None
        context.statements = counter
        # Public answers come from the response cache (hmsdesk_graph.shared). Its version read
        # is counted apart: sqlStatements stays what executing the document took.
        cached = None
        if self.cache is not None:
            probe = StatementCounter() if counter else None
            with counting(probe) if probe else nullcontext():
                cached = await self.cache.lookup(
                    query, variables, operation_name, context, request.method
                )
            if cached.render is not None and await self._render_sponsored(
                cached, query, variables, operation_name, context, counter, allowed
            ):
                # Counted as executed: the render's statements are this request's own.
                probe = counter
            if cached.hit is not None:
                return _after_sending(
                    self._cache_hit(cached, context, probe, response_type), recorder, held
                )
        try:
            with counting(counter) if counter else nullcontext(), watching(cached, context):
                # A committed operation sent verbatim runs on its plan (issue 10).
                plan = self.compiled.match(query, operation_name)
                compiled = await self.compiled.run(plan, context, variables) if plan else None
                result = (
                    ExecutionResult(data=compiled[0], errors=None, extensions=compiled[1])
                    if compiled is not None
                    else None
                )
                if result is None:
                    self._serve_reference_slugs(context)
                result = result or await self.schema.execute(
                    query,
                    variable_values=variables,
                    context_value=context,
                    operation_name=operation_name,
                    allowed_operation_types=allowed,
                )
        except InvalidOperationTypeError:
            # The spec's one fixed status for a well-formed request: 405, whatever the type.
            return graphql_response(
                http_error_body("Mutations must be sent with POST."),
                405,
                response_type,
                headers={"Allow": "POST"},
            )
        except CannotGetOperationTypeError as exc:
            # GetOperation() failed (unknown operationName, several operations and no name).
            refused = http_error_body(exc.as_http_error_reason())
            return graphql_response(refused, graphql_status(response_type, refused), response_type)
        try:
            await context.audit.flush()
        except Exception:
            # Personal data read without its audit record is never sent.
            logger.exception("writing the audit trail failed; the response is withheld")
            return graphql_response(
                http_error_body("Internal server error.", ErrorCode.INTERNAL), 500, response_type
            )
        body: dict[str, Any] = {}
        if result.errors:
            suggestions = not self.settings.is_production
            body["errors"] = [format_error(e, suggestions) for e in result.errors]
        if _executed(result):
            # A request error (nothing ran) has no `data` entry at all (GraphQL spec §7.1.2).
            body["data"] = result.data
        extensions = dict(result.extensions or {})  # the schema extensions' (query cost)
        if counter is not None:
            extensions["sqlStatements"] = counter.count
        if extensions:
            body["extensions"] = extensions
        status = graphql_status(response_type, body)
        headers = await cached.store(body, status) if cached else {}
        if headers:
            body.setdefault("extensions", {})["cache"] = "MISS"
        response = graphql_response(body, status, response_type, headers or None)
        return _after_sending(response, recorder, held)

    def _serve_reference_slugs(self, context: Context) -> None:
        """City and specialty slugs from the worker's catalogue rows on the general executor
        too (kept as on the compiled path): one statement fewer per search or comparison."""
        reference = self.compiled.reference
        context.loaders.serve_slugs_from(reference.cities, reference.specialties)

    async def _render_sponsored(
        self,
        lookup: Lookup,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: Context,
        counter: StatementCounter | None,
        allowed: set[OperationType],
    ) -> bool:
        """Render only the sponsored edges a kept answer lacks (general executor) and make the
        lookup a hit; False when that failed and the request must execute in full."""
        self._serve_reference_slugs(context)
        try:
            with counting(counter) if counter else nullcontext(), watching(lookup, context):
                result = await self.schema.execute(
                    query,
                    variable_values=variables,
                    context_value=context,
                    operation_name=operation_name,
                    allowed_operation_types=allowed,
                )
        except Exception:
            logger.warning("rendering sponsored edges failed; executing in full", exc_info=True)
            result = None
        data = result.data if result is not None and not result.errors else None
        return await lookup.amend(data)

    def _cache_hit(
        self,
        lookup: Lookup,
        context: Context,
        counter: StatementCounter | None,
        response_type: ResponseType,
    ) -> Response:
        """A hit: the kept `data` bytes as they are, with this response's extensions."""
        data = lookup.hit_body(context)
        headers = self.cache.status_headers("HIT") if self.cache else {}
        extensions = lookup.hit_extensions
        if headers:
            extensions["cache"] = "HIT"
        if counter is not None:
            extensions["sqlStatements"] = counter.count
        body = b'{"data":' + data
        if extensions:
            body += b',"extensions":' + orjson.dumps(extensions)
        return Response(
            body + b"}",
            status_code=200,
            headers={"Vary": "Accept", **headers, "Content-Type": response_type.content_type},
        )


def _executed(result: ExecutionResult) -> bool:
    """Whether execution started: field errors carry a path; request errors (parse,
    validation, variable coercion, bounds refused before any SQL) carry none."""
    if result.data is not None or not result.errors:
        return True
    return any(error.path for error in result.errors)


def _after_sending(
    response: Response, recorder: EventRecorder | None, held: HeldEvents
) -> Response:
    """The response, recording the request's held events once it has been sent."""
    if recorder is not None and held.held:
        response.background = BackgroundTask(_record, recorder, held.held)
    return response


async def _record(recorder: EventRecorder, events: list[ListingEvent]) -> None:
    # A coroutine, so Starlette runs it on the event loop: a plain function would go to a
    # worker thread (a thread hop per request, and the buffer is not thread-safe). It may wait
    # for room in a full buffer (the answer has gone out); uvicorn starts the connection's next
    # request meanwhile, so what slows the server to the write rate is `admit`, not this wait.
    await recorder.record_when_room(events)
