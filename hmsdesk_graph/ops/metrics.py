"""Prometheus metrics: requests by operation, latency, SQL per request, partner calls, drops.

Labels only ever take values from fixed sets: an operation is the name of a committed
operation (schema/operations) or ``other``; error codes come from ``ErrorCode``; services from
``Service``. A client can therefore never grow the number of series.

With ``PROMETHEUS_MULTIPROC_DIR`` set (before the process starts, as prometheus-client reads it
at import), every uvicorn worker writes its samples there and ``/metrics`` answers for all of
them together, whichever worker the scrape lands on.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from strawberry.extensions import SchemaExtension

from hmsdesk_graph.config import Settings
from hmsdesk_graph.errors import ErrorCode

OTHER = "other"
NO_ERROR = "none"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_STATEMENT_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144)

REQUESTS = Counter(
    "hmsdesk_requests",
    "HTTP requests by operation (committed name or other), status and first error code.",
    ["operation", "status", "code"],
)
REQUEST_SECONDS = Histogram(
    "hmsdesk_request_duration_seconds",
    "Time from the request's arrival to its last response byte, by operation.",
    ["operation"],
    buckets=_LATENCY_BUCKETS,
)
GRAPHQL_ERRORS = Counter(
    "hmsdesk_graphql_errors", "GraphQL errors by operation and code.", ["operation", "code"]
)
SQL_STATEMENTS = Histogram(
    "hmsdesk_sql_statements_per_request",
    "SQL statements a request sent to the database, by operation.",
    ["operation"],
    buckets=_STATEMENT_BUCKETS,
)
UPSTREAM_CALLS = Counter(
    "hmsdesk_upstream_calls",
    "Partner-service attempts by service and outcome (ok, timeout, unavailable, …).",
    ["service", "outcome"],
)
UPSTREAM_SECONDS = Histogram(
    "hmsdesk_upstream_call_duration_seconds",
    "Duration of one partner-service attempt, by service.",
    ["service"],
    buckets=_LATENCY_BUCKETS,
)
BREAKER_STATE = Gauge(
    "hmsdesk_upstream_breaker_state",
    "Circuit breaker per partner service: 0 closed, 1 half-open, 2 open (worst live worker).",
    ["service"],
    multiprocess_mode="livemax",
)
RATE_LIMITED = Counter(
    "hmsdesk_rate_limited", "Requests refused by a rate limiter, by limiter.", ["limiter"]
)
EVENTS_DROPPED = Counter(
    "hmsdesk_listing_events_dropped", "Listing events dropped because the buffer was full."
)
EVENTS_WAITED = Counter(
    "hmsdesk_listing_events_waits",
    "Requests held back because the event buffer was (nearly) full: the writer is behind.",
)
CACHE_LOOKUPS = Counter(
    "hmsdesk_cache_lookups",
    "Cache lookups by cache and result (hit, miss); one per key looked up.",
    ["cache", "result"],
)
FEED_RUNS = Counter(
    "hmsdesk_feed_ingest_runs",
    "Price-feed runs by outcome (SUCCEEDED, NOT_MODIFIED, FAILED), in the ingesting process.",
    ["outcome"],
)

_BREAKER_VALUES = {"closed": 0, "half_open": 1, "open": 2}
_CODES = frozenset(code.value for code in ErrorCode)
_OPERATION_NAME = re.compile(
    r"^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)", re.M
)


@dataclass
class RequestRecord:
    """What the request middleware learns about one request while it runs."""

    operation: str = OTHER
    codes: list[str] = field(default_factory=list)


record_var: ContextVar[RequestRecord | None] = ContextVar("hmsdesk_request_record", default=None)


def default_operations_dir() -> Path:
    """schema/operations next to the package (a checkout or an editable install)."""
    return Path(__file__).resolve().parents[2] / "schema" / "operations"


@lru_cache(maxsize=4)
def committed_operations(directory: str) -> frozenset[str]:
    """Names of the operations committed in `directory` (empty when it does not exist)."""
    path = Path(directory)
    if not path.is_dir():
        return frozenset()
    names: set[str] = set()
    for file in sorted(path.glob("*.graphql")):
        names.update(_OPERATION_NAME.findall(file.read_text(encoding="utf-8")))
    return frozenset(names)


def known_operations(settings: Settings) -> frozenset[str]:
    """The committed operation names metrics and traces may use as labels."""
    return committed_operations(settings.operations_dir or str(default_operations_dir()))


def operation_label(name: str | None, known: frozenset[str]) -> str:
    """The label for a client-sent operation name: itself when committed, else ``other``."""
    return name if name is not None and name in known else OTHER


def code_label(code: object) -> str:
    return code if isinstance(code, str) and code in _CODES else ErrorCode.INTERNAL.value


class OperationLabels(SchemaExtension):
    """Tells the request record which committed operation ran (after parsing)."""

    def __init__(self, known: frozenset[str]) -> None:
        self.known = known

    def on_operation(self) -> Iterator[None]:
        yield
        record = record_var.get()
        if record is not None:
            try:
                name = self.execution_context.operation_name
            except Exception:  # the document did not parse: no name to read
                name = None
            record.operation = operation_label(name, self.known)


def observe_request(
    record: RequestRecord, status: int, seconds: float, statements: int | None
) -> None:
    """Record one finished request."""
    first = record.codes[0] if record.codes else NO_ERROR
    REQUESTS.labels(record.operation, str(status), first).inc()
    REQUEST_SECONDS.labels(record.operation).observe(seconds)
    for code in record.codes:
        GRAPHQL_ERRORS.labels(record.operation, code).inc()
    if statements is not None:
        SQL_STATEMENTS.labels(record.operation).observe(statements)


def codes_in_body(body: Any) -> list[str]:
    """The error codes of a GraphQL-shaped response body (unknown ones count as INTERNAL)."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return []
    codes = []
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        codes.append(code_label(extensions.get("code") if isinstance(extensions, dict) else None))
    return codes


def breaker_state(service: str, state: str) -> None:
    BREAKER_STATE.labels(service).set(_BREAKER_VALUES.get(state, 2))


@contextmanager
def upstream_attempt(
    service: str, outcome_of: Callable[[BaseException], str], breaker: Any = None
) -> Iterator[None]:
    """Count and time one partner-service attempt: ``ok``, or ``outcome_of`` its exception
    (the caller's labels: ops knows nothing of the upstream errors)."""
    started = time.perf_counter()
    outcome = "ok"
    try:
        yield
    except BaseException as exc:
        outcome = outcome_of(exc)
        raise
    finally:
        UPSTREAM_CALLS.labels(service, outcome).inc()
        UPSTREAM_SECONDS.labels(service).observe(time.perf_counter() - started)
        if breaker is not None:
            breaker_state(service, str(breaker.state))


def rate_limited(limiter: str) -> None:
    RATE_LIMITED.labels(limiter).inc()


def events_dropped(count: int) -> None:
    EVENTS_DROPPED.inc(count)


def events_waited() -> None:
    EVENTS_WAITED.inc()


def cache_lookups(cache: str, hits: int, misses: int) -> None:
    """Count one batch of lookups in the named (fixed, code-chosen) cache."""
    if hits:
        CACHE_LOOKUPS.labels(cache, "hit").inc(hits)
    if misses:
        CACHE_LOOKUPS.labels(cache, "miss").inc(misses)


_FEED_OUTCOMES = frozenset({"SUCCEEDED", "NOT_MODIFIED", "FAILED"})


def feed_run(outcome: str) -> None:
    """Count one finished feed run (an unknown status counts as FAILED)."""
    FEED_RUNS.labels(outcome if outcome in _FEED_OUTCOMES else "FAILED").inc()


def exposition(settings: Settings) -> bytes:
    """The text exposition of every metric (all workers' in multiprocess mode)."""
    if settings.prometheus_multiproc_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(  # type: ignore[no-untyped-call]
            registry, path=settings.prometheus_multiproc_dir
        )
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def may_scrape(request: Request, settings: Settings) -> bool:
    """The scrape carries the metrics token, or comes from an allowed network."""
    if settings.metrics_token:
        sent = request.headers.get("authorization", "")
        if hmac.compare_digest(sent.encode(), f"Bearer {settings.metrics_token}".encode()):
            return True
    host = request.client.host if request.client else None
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in settings.metrics_networks)


def metrics_endpoint(settings: Settings) -> Any:
    """The /metrics route handler; refused scrapes get 404, as if it did not exist."""

    async def metrics(request: Request) -> Response:
        if not may_scrape(request, settings):
            return Response(b"Not Found", status_code=404, media_type="text/plain")
        return Response(exposition(settings), media_type=CONTENT_TYPE_LATEST)

    return metrics


def mark_process_dead(settings: Settings) -> None:
    """Multiprocess mode: drop this worker's live gauges when it stops."""
    if settings.prometheus_multiproc_dir:
        multiprocess.mark_process_dead(  # type: ignore[no-untyped-call]
            os.getpid(), settings.prometheus_multiproc_dir
        )
