"""OpenTelemetry tracing, when the `otel` extra is installed and turned on.

A span per request (named by the committed operation, or ``other``), with child spans for SQL
statements and partner-service calls. Configured by the standard ``OTEL_*`` variables: the
SDK reads ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_EXPORTER_OTLP_*`` and
``OTEL_BSP_*`` itself; ``OTEL_TRACES_EXPORTER`` (``otlp``, ``console`` or ``none``, the default
here) decides whether we trace at all, so nothing is paid when tracing is off.

Spans hold shapes, never values: SQL spans carry the statement's verb (SELECT, INSERT …), not
its text; partner spans carry the service and method, not the URL's query or the body.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from hmsdesk_graph.config import Settings

logger = logging.getLogger("hmsdesk_graph.ops.tracing")

_tracer: Any = None  # an opentelemetry Tracer while tracing is on
_db_system = "sqlite"


def available() -> bool:
    """The `otel` extra is installed."""
    try:
        import opentelemetry.sdk.trace  # noqa: F401
    except ImportError:
        return False
    return True


def enabled() -> bool:
    return _tracer is not None


def setup(settings: Settings, provider: Any = None) -> bool:
    """Turn tracing on per the settings (or with `provider`, e.g. a test's); True when on."""
    global _tracer, _db_system
    _db_system = "sqlite" if settings.is_sqlite else "postgresql"
    exporter_name = (settings.otel_traces_exporter or "none").strip().lower()
    if provider is None and (settings.otel_sdk_disabled or exporter_name == "none"):
        return False
    if not available():
        logger.warning("OTEL_TRACES_EXPORTER is set but the otel extra is not installed")
        return False
    if provider is None:
        provider = _provider(exporter_name)
        if provider is None:
            return False
    _tracer = provider.get_tracer("hmsdesk_graph")
    return True


def shutdown() -> None:
    """Stop tracing (tests, process exit)."""
    global _tracer
    _tracer = None


def _provider(exporter_name: str) -> Any:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    exporter: Any
    if exporter_name == "console":
        exporter = ConsoleSpanExporter()
    elif exporter_name == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            logger.warning("OTEL_TRACES_EXPORTER=otlp needs opentelemetry-exporter-otlp")
            return None
        exporter = OTLPSpanExporter()
    else:
        logger.warning(
            "OTEL_TRACES_EXPORTER=%s is not supported (otlp, console, none)", exporter_name
        )
        return None
    # Resource.create() reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
    resource = Resource.create({"service.name": "hmsdesk-graph"}).merge(Resource.create())
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


@contextmanager
def request_span(method: str, headers: Mapping[str, str]) -> Iterator[Any]:
    """The server span of one request, continuing the caller's W3C trace context."""
    if _tracer is None:
        yield None
        return
    from opentelemetry import propagate
    from opentelemetry.trace import SpanKind

    parent = propagate.extract(dict(headers))
    with _tracer.start_as_current_span(
        "http", context=parent, kind=SpanKind.SERVER, attributes={"http.request.method": method}
    ) as span:
        yield span


def finish_request_span(span: Any, operation: str, route: str, status: int, rid: str) -> None:
    """Name the request span after what ran, once that is known."""
    if span is None:
        return
    span.update_name(f"graphql {operation}" if route == "/graphql" else f"GET {route}")
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    span.set_attribute("graphql.operation.name", operation)
    span.set_attribute("hmsdesk.request_id", rid)
    if status >= 500:
        from opentelemetry.trace import Status, StatusCode

        span.set_status(Status(StatusCode.ERROR))


def _in_span() -> bool:
    from opentelemetry import trace

    return bool(trace.get_current_span().is_recording())


@contextmanager
def sql_span(sql: str) -> Iterator[None]:
    """A child span for one SQL statement: its verb only, never its text or parameters.

    Only inside a traced request: background writers' statements would be orphan traces.
    """
    if _tracer is None or not _in_span():
        yield
        return
    verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "SQL"
    with _tracer.start_as_current_span(
        f"SQL {verb}", attributes={"db.system": _db_system, "db.operation.name": verb}
    ):
        yield


@contextmanager
def upstream_span(service: str, method: str) -> Iterator[None]:
    """A child span for one partner-service attempt."""
    if _tracer is None:
        yield
        return
    from opentelemetry.trace import SpanKind

    with _tracer.start_as_current_span(
        f"{service} {method}",
        kind=SpanKind.CLIENT,
        attributes={"peer.service": service, "http.request.method": method},
    ):
        yield
