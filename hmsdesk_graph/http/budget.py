"""The per-client request budget on /graphql: refused as a whole with 429 and Retry-After.

Checked before the body is read, so a client over its budget costs one counter round trip.
Signed-in clients are counted by their token's subject (verified: an unverified subject would
let anyone mint unlimited budgets), everyone else by their real address (see shared/clients.py).
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from starlette.datastructures import Headers, State
from starlette.types import ASGIApp, Receive, Scope, Send

from hmsdesk_graph.api.error_format import http_error_body
from hmsdesk_graph.config import Settings
from hmsdesk_graph.errors import ErrorCode, HmsdeskError
from hmsdesk_graph.guards.ratelimit import Limit, RateLimits
from hmsdesk_graph.identity.auth import TokenService, viewer_from_headers
from hmsdesk_graph.shared.clients import client_address, client_key


def request_client_key(
    settings: Settings, tokens: TokenService, peer: str | None, headers: Headers
) -> str:
    """The opaque key a request is counted under."""
    subject = None
    if "authorization" in headers:
        try:
            viewer = viewer_from_headers(headers, tokens)
            subject = None if viewer.is_anonymous else viewer.subject
        except HmsdeskError:
            subject = None  # the endpoint answers 401; count it by address meanwhile
    address = client_address(peer, headers, settings.trusted_proxies)
    return client_key(settings.secret_key, subject, address)


class RequestBudgetMiddleware:
    """ASGI middleware: count each /graphql request against the client's budget."""

    def __init__(
        self, app: ASGIApp, settings: Settings, limits: Callable[[], RateLimits | None]
    ) -> None:
        self.app = app
        self.settings = settings
        self.limits = limits  # the lifespan creates the limits after the middleware exists
        self.tokens = TokenService(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limits = self.limits()
        if (
            scope["type"] != "http"
            or scope["path"] != "/graphql"
            or limits is None
            or not limits.enabled(Limit.REQUESTS)
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        client = scope.get("client")
        key = request_client_key(self.settings, self.tokens, client[0] if client else None, headers)
        refusal = await limits.hit(Limit.REQUESTS, key)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        body = http_error_body("Too many requests: slow down and try again later.")
        body["errors"][0]["extensions"] = {
            "code": ErrorCode.RATE_LIMITED.value,
            "limit": refusal.amount,
            "retryAfter": refusal.retry_after_s,
        }
        raw = orjson.dumps(body)
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(raw)).encode()),
                    (b"retry-after", str(refusal.retry_after_s).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})


def budget_middleware_state(state: State) -> Callable[[], RateLimits | None]:
    """Reads the lifespan's RateLimits from the app state (None before start-up)."""
    return lambda: getattr(state, "rate_limits", None)
