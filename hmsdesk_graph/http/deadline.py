"""The wall-clock deadline of a /graphql request (issue 12).

Bounds on input keep the CPU work of any request small; this bounds the waiting: a request
still running after `HMSDESK_REQUEST_DEADLINE_S` (a hung partner, a locked row) is cancelled
and answered 504 with the code TIMEOUT. Cancelling unwinds the request like any exception:
transactions roll back, connections return to the pool, audit records of an unsent response
are not needed because nothing is sent. Once the response has started it is left to finish.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hmsdesk_graph.api.error_format import http_error_body
from hmsdesk_graph.errors import RequestTimeout
from hmsdesk_graph.http.graphql_http import json_response

logger = logging.getLogger("hmsdesk_graph.http.deadline")


class DeadlineMiddleware:
    """Cancels a request to `paths` that has not started answering within `seconds`."""

    def __init__(self, app: ASGIApp, seconds: float, paths: tuple[str, ...] = ("/graphql",)):
        self.app = app
        self.seconds = seconds
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        deadline = asyncio.timeout(self.seconds)
        started = False

        async def send_started(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                deadline.reschedule(None)  # answering already: let the body go out
            await send(message)

        try:
            async with deadline:
                await self.app(scope, receive, send_started)
        except TimeoutError:
            # A TimeoutError of the app's own (not our deadline) is the app's to report.
            if not deadline.expired() or started:
                raise
            logger.warning("request cancelled at its deadline (%.1f s)", self.seconds)
            error = RequestTimeout(
                f"The request did not finish within {self.seconds:g} s and was cancelled."
            )
            response = json_response(
                http_error_body(error.message, error.code), status=error.http_status
            )
            await response(scope, receive, send)
