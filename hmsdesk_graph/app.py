"""create_app(): the Starlette application, its routes and its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hmsdesk_graph.access_log import AccessLogMiddleware
from hmsdesk_graph.api import build_schema
from hmsdesk_graph.auth import TokenService, viewer_from_headers
from hmsdesk_graph.config import Settings, load_settings
from hmsdesk_graph.context import Context
from hmsdesk_graph.db.connection import close_database, open_database, read_connection
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.events import EventRecorder
from hmsdesk_graph.graphql_http import GraphQLEndpoint, json_response
from hmsdesk_graph.outbox import OutboxWorker
from hmsdesk_graph.pagination import CursorCodec
from hmsdesk_graph.ratelimit import SlidingWindowLimiter
from hmsdesk_graph.upstream import Upstreams, deadline_in

logger = logging.getLogger("hmsdesk_graph.app")


def context_factory(
    settings: Settings, events: EventRecorder, state: State
) -> Callable[[Request, Settings], Context]:
    """Makes a fresh Context (and fresh loaders) per request; codec and recorder are shared."""
    cursors = CursorCodec(settings.secret_key)
    tokens = TokenService(settings)
    cipher = FieldCipher(settings.field_encryption_key)
    contact_limiter = SlidingWindowLimiter(settings.contact_reveals_per_hour, 3600.0)

    def make_context(request: Request, settings: Settings) -> Context:
        return Context(
            settings=settings,
            cursors=cursors,
            request=request,
            events=events,
            viewer=viewer_from_headers(request.headers, tokens),
            cipher=cipher,
            upstreams=getattr(state, "upstreams", None),
            deadline=deadline_in(settings.request_budget_s),
            contact_limiter=contact_limiter,
        )

    return make_context


async def healthz(_request: Request) -> Response:
    """The process is up."""
    return json_response({"status": "ok"})


async def readyz(_request: Request) -> Response:
    """The database answers."""
    try:
        await read_connection().execute_query("SELECT 1")
    except Exception:
        logger.warning("readiness check failed", exc_info=True)
        return json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return json_response({"status": "ok", "database": "ok"})


def create_app(settings: Settings | None = None) -> Starlette:
    """The ASGI application; the database opens in the lifespan, never at import."""
    settings = settings or load_settings()
    schema = build_schema(settings)
    events = EventRecorder()
    state = State()
    endpoint = GraphQLEndpoint(schema, settings, context_factory(settings, events, state))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await open_database(settings)
        logger.info("database open (%s)", "sqlite" if settings.is_sqlite else "postgres")
        upstreams = await Upstreams.open(settings)
        app.state.upstreams = state.upstreams = upstreams
        events.start()
        outbox = OutboxWorker(upstreams)
        outbox.start()
        try:
            yield
        finally:
            await outbox.stop()
            await events.stop()
            await upstreams.close()
            await close_database()

    routes = [
        Route("/graphql", endpoint.handle, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(AccessLogMiddleware)])
    app.state.settings = settings
    app.state.schema = schema
    app.state.events = events
    return app
