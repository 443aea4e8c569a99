"""The request middleware: request id, access log, metrics and the request's trace span.

Access lines never hold the query string (a GET's query string carries GraphQL variables), a
path the app does not serve (it may be anything a client typed), headers or bodies.
"""

from __future__ import annotations

import logging
import time

import orjson
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hmsdesk_graph.db.statements import StatementCounter, counting
from hmsdesk_graph.ops import metrics, tracing
from hmsdesk_graph.ops.logs import REQUEST_ID_HEADER, new_request_id, request_id_var

logger = logging.getLogger("hmsdesk_graph.access")

GRAPHQL_PATH = "/graphql"
# Paths we serve and their operation label; anything else is logged and counted as unmatched.
_ROUTES = {
    "/healthz": "healthz",
    "/readyz": "readyz",
    "/metrics": "metrics",
    "/explorer": "explorer",
}
UNMATCHED = "unmatched"


def _route(path: str) -> tuple[str, str]:
    """(the path as logged, its default operation label)."""
    if path == GRAPHQL_PATH:
        return path, metrics.OTHER
    if path in _ROUTES:
        return path, _ROUTES[path]
    if path.startswith("/explorer/"):
        return "/explorer/*", "explorer"
    return "(unmatched)", UNMATCHED


class AccessLogMiddleware:
    """Gives each request an id, and logs, counts and traces it when it ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = Headers(scope=scope)
        rid = new_request_id(headers.get(REQUEST_ID_HEADER))
        route, label = _route(scope["path"])
        record = metrics.RequestRecord(operation=label)
        counter = StatementCounter()
        status = 500
        rid_token = request_id_var.set(rid)
        record_token = metrics.record_var.set(record)

        async def send_wrapped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            elif message["type"] == "http.response.body" and route == GRAPHQL_PATH:
                body = message.get("body", b"")
                # Our bodies put "errors" first: a cheap test before decoding anything.
                if body.startswith(b'{"errors"') and not message.get("more_body", False):
                    try:
                        record.codes = metrics.codes_in_body(orjson.loads(body))
                    except orjson.JSONDecodeError:
                        record.codes = ["INTERNAL"]
            await send(message)

        try:
            with tracing.request_span(scope["method"], headers) as span, counting(counter):
                try:
                    await self.app(scope, receive, send_wrapped)
                finally:
                    tracing.finish_request_span(span, record.operation, route, status, rid)
        finally:
            elapsed = time.perf_counter() - started
            logger.info(
                "%s %s %d %.1fms",
                scope["method"],
                route,
                status,
                elapsed * 1000,
                extra={
                    "method": scope["method"],
                    "path": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                    "operation": record.operation,
                    "sql_statements": counter.count,
                    "error_codes": record.codes,
                },
            )
            metrics.observe_request(record, status, elapsed, counter.count)
            metrics.record_var.reset(record_token)
            request_id_var.reset(rid_token)
