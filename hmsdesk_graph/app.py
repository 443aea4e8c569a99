"""create_app(): the Starlette application, its routes and its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hmsdesk_graph.api.root import build_schema
from hmsdesk_graph.config import Settings, load_settings
from hmsdesk_graph.context import Context
from hmsdesk_graph.db.connection import close_database, open_database, read_connection
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.guards.ratelimit import RateLimits
from hmsdesk_graph.http.access_log import AccessLogMiddleware
from hmsdesk_graph.http.budget import RequestBudgetMiddleware, budget_middleware_state
from hmsdesk_graph.http.cors import cors_middleware
from hmsdesk_graph.http.deadline import DeadlineMiddleware
from hmsdesk_graph.http.explorer import explorer_routes
from hmsdesk_graph.http.graphql_http import GraphQLEndpoint, json_response
from hmsdesk_graph.http.persisted import PersistedOperations
from hmsdesk_graph.http.response_cache import ResponseCache
from hmsdesk_graph.identity.auth import TokenService, viewer_from_headers
from hmsdesk_graph.ops import metrics, tracing
from hmsdesk_graph.ops.collector import CollectorTuning
from hmsdesk_graph.pagination import CursorCodec
from hmsdesk_graph.shared import SharedState
from hmsdesk_graph.shared.last_good import LastGood
from hmsdesk_graph.shared.tag_versions import forget_versions
from hmsdesk_graph.upstream import Upstreams, deadline_in
from hmsdesk_graph.workers.events import EventRecorder
from hmsdesk_graph.workers.outbox import OutboxWorker
from hmsdesk_graph.workers.review_publishing import ReviewPublisher

logger = logging.getLogger("hmsdesk_graph.app")


def context_factory(
    settings: Settings, events: EventRecorder, state: State
) -> Callable[[Request, Settings], Context]:
    """Makes a fresh Context (and fresh loaders) per request; codec and recorder are shared."""
    cursors = CursorCodec(settings.secret_key)
    tokens = TokenService(settings)
    cipher = FieldCipher(settings.field_encryption_key)

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
            rate_limits=getattr(state, "rate_limits", None),
            last_good=getattr(state, "last_good", None),
        )

    return make_context


async def healthz(_request: Request) -> Response:
    """The process is up."""
    return json_response({"status": "ok"})


async def readyz(request: Request) -> Response:
    """The database answers, and Redis too when one is configured."""
    body = {"status": "ok", "database": "ok", "redis": "off"}
    try:
        await read_connection().execute_query("SELECT 1")
    except Exception:
        logger.warning("readiness check failed", exc_info=True)
        body["database"] = "unreachable"
    shared: SharedState | None = getattr(request.app.state, "shared", None)
    if shared is not None and shared.redis is not None:
        body["redis"] = "ok" if await shared.ping() else "unreachable"
    if "unreachable" in body.values():
        body["status"] = "unavailable"
        return json_response(body, status=503)
    return json_response(body)


def create_app(settings: Settings | None = None) -> Starlette:
    """The ASGI application; the database opens in the lifespan, never at import."""
    settings = settings or load_settings()
    schema = build_schema(settings)
    events = EventRecorder()
    state = State()
    persisted = PersistedOperations.load(settings)
    cache = ResponseCache(settings, schema._schema, events)
    endpoint = GraphQLEndpoint(
        schema, settings, context_factory(settings, events, state), persisted, cache
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await open_database(settings)
        forget_versions()  # a snapshot of another database's tag versions (tests) is no use
        logger.info("database open (%s)", "sqlite" if settings.is_sqlite else "postgres")
        shared = await SharedState.open(settings)
        app.state.shared = state.shared = persisted.shared = cache.shared = shared
        app.state.rate_limits = state.rate_limits = RateLimits.open(settings, shared)
        logger.info("shared state: %s", shared.mode)
        upstreams = await Upstreams.open(settings)
        app.state.upstreams = state.upstreams = upstreams
        # Last good partner answers in the shared store: every worker serves what any saw.
        state.last_good = upstreams.practice.last_good = LastGood(shared, settings.stale_max_age_s)
        events.start()
        outbox = OutboxWorker(upstreams)
        outbox.start()
        publisher = ReviewPublisher(
            timedelta(hours=settings.review_reply_window_h), settings.review_publish_interval_s
        )
        publisher.start()
        app.state.review_publisher = publisher
        collector = CollectorTuning(settings.gc_young_threshold)
        collector.apply()
        try:
            yield
        finally:
            collector.restore()
            await publisher.stop()
            await outbox.stop()
            await events.stop()
            await upstreams.close()
            await shared.close()
            await close_database()
            metrics.mark_process_dead(settings)

    graphql_handler, explorer = explorer_routes(settings, endpoint.handle)
    routes = [
        Route("/graphql", graphql_handler, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics.metrics_endpoint(settings), methods=["GET"]),
        *explorer,
    ]
    tracing.setup(settings)
    # The access log is outermost so CORS preflights get a request id, a log line and a count;
    # the deadline inside it, so a cancelled request is logged and counted with its 504.
    # The request budget sits inside CORS so preflights are never counted or refused.
    middleware = [
        Middleware(AccessLogMiddleware),
        Middleware(DeadlineMiddleware, seconds=settings.request_deadline_s),
        *cors_middleware(settings),
        Middleware(
            RequestBudgetMiddleware, settings=settings, limits=budget_middleware_state(state)
        ),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.settings = settings
    app.state.schema = schema
    app.state.events = events
    app.state.compiled = endpoint.compiled
    app.state.response_cache = cache
    return app
