"""How a partner-service call is sent: timeouts, deadline, size cap, retries, breaker.

Sessions come from ``open_session`` inside the running loop, never at import time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import orjson
from multidict import CIMultiDictProxy
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)
from tenacity.stop import stop_base
from yarl import URL

from hmsdesk_graph.config import Settings
from hmsdesk_graph.ops import metrics, tracing
from hmsdesk_graph.upstream.breaker import CircuitBreaker, Permit
from hmsdesk_graph.upstream.errors import (
    CircuitOpen,
    ConnectionFailed,
    MalformedResponse,
    RequestRejected,
    ResponseTooLarge,
    ServerError,
    Service,
    ServiceTimeout,
    ServiceUnavailable,
    attempt_outcome,
)

T = TypeVar("T")

logger = logging.getLogger("hmsdesk_graph.upstream")

# Full-jitter exponential backoff: at most 50 ms, 100 ms, 200 ms … capped at 500 ms. Short on
# purpose: these calls sit inside a user's GraphQL request.
BACKOFF_BASE_S = 0.05
BACKOFF_MAX_S = 0.5
# A retry with less time than this left cannot succeed; it would only add load.
MIN_ATTEMPT_S = 0.05
READ_CHUNK_BYTES = 64 * 1024
USER_AGENT = "hmsdesk-graph"
DEADLINE_EXCEEDED = "deadline exceeded"


@dataclass(frozen=True)
class Limits:
    """Timeouts, size cap and attempts for one upstream."""

    connect_s: float
    read_s: float
    total_s: float
    max_bytes: int
    max_attempts: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            connect_s=settings.upstream_connect_timeout_s,
            read_s=settings.upstream_read_timeout_s,
            total_s=settings.upstream_total_timeout_s,
            max_bytes=settings.upstream_max_response_bytes,
            max_attempts=settings.upstream_max_attempts,
        )

    def client_timeout(self, total_s: float | None = None) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(
            total=self.total_s if total_s is None else total_s,
            sock_connect=self.connect_s,
            sock_read=self.read_s,
        )


def open_session(limits: Limits, max_connections_per_host: int) -> aiohttp.ClientSession:
    """A session with explicit timeouts and a per-host connection limit (call inside a loop)."""
    connector = aiohttp.TCPConnector(limit_per_host=max_connections_per_host)
    return aiohttp.ClientSession(
        connector=connector,
        timeout=limits.client_timeout(),
        headers={"User-Agent": USER_AGENT},
        raise_for_status=False,
    )


@dataclass(frozen=True)
class Call:
    """One logical request; ``idempotent`` decides whether it may be sent more than once."""

    method: str
    url: str
    idempotent: bool
    payload: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    follow_redirects: bool = False

    @property
    def target(self) -> str:
        """What logs may show: host and path, never the query string or the body."""
        url = URL(self.url)
        return f"{url.host}{url.path}"


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes


def deadline_in(seconds: float) -> float:
    """An absolute deadline (``time.monotonic()`` clock) ``seconds`` from now."""
    return time.monotonic() + seconds


def decode_json(service: Service, body: bytes) -> Any:
    """Parse a JSON body or fail with MalformedResponse."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise MalformedResponse(service, "body is not valid JSON") from None


async def read_capped(service: Service, response: aiohttp.ClientResponse, limit: int) -> bytes:
    """Read the body in chunks, failing as soon as it exceeds ``limit`` bytes."""
    declared = response.content_length
    if declared is not None and declared > limit:
        raise ResponseTooLarge(service, f"declared {declared} bytes, cap {limit}")
    buffer = bytearray()
    async for chunk in response.content.iter_chunked(READ_CHUNK_BYTES):
        buffer += chunk
        if len(buffer) > limit:
            raise ResponseTooLarge(service, f"body exceeded the cap of {limit} bytes")
    return bytes(buffer)


class Transport:
    """Sends Calls to one service with its breaker, retries, deadline and size cap."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        service: Service,
        limits: Limits,
        breaker: CircuitBreaker | None,
    ) -> None:
        self.session = session
        self.service = service
        self.limits = limits
        self.breaker = breaker

    async def exchange(
        self,
        call: Call,
        handle: Callable[[RawResponse], T],
        *,
        deadline: float | None = None,
    ) -> T:
        """Send ``call`` (retrying when allowed) and turn the answer into a T with ``handle``.

        ``handle`` runs inside the attempt, so a malformed answer counts against the breaker.
        ``deadline`` (``time.monotonic()`` clock) bounds the whole call, retries included.
        """
        own_end = time.monotonic() + self.limits.total_s
        end = own_end if deadline is None else min(own_end, deadline)
        attempts = self.limits.max_attempts if call.idempotent else 1
        retrying = AsyncRetrying(
            stop=stop_after_attempt(attempts) | StopAtDeadline(end),
            wait=wait_random_exponential(multiplier=BACKOFF_BASE_S, max=BACKOFF_MAX_S),
            retry=retry_if_exception(_is_retryable),
            reraise=True,
        )
        failure: ServiceUnavailable | ServiceTimeout | None = None
        try:
            async for attempt in retrying:
                with attempt:
                    number = attempt.retry_state.attempt_number
                    name = self.service.name
                    try:
                        # Metrics (calls by outcome, latency, breaker state), a span per attempt.
                        with (
                            metrics.upstream_attempt(name, attempt_outcome, self.breaker),
                            tracing.upstream_span(name, call.method),
                        ):
                            return await self._attempt(call, handle, end, end < own_end, number)
                    except (ServiceUnavailable, ServiceTimeout) as exc:
                        if not isinstance(exc, CircuitOpen):
                            failure = exc
                        raise
        except CircuitOpen:
            # Our own failures opened the breaker between attempts: report what happened
            # on the wire (e.g. a timeout), not the breaker that stopped the retry.
            if failure is not None:
                raise failure from None
            raise
        raise AssertionError("tenacity ended without an outcome")  # pragma: no cover

    async def _attempt(
        self,
        call: Call,
        handle: Callable[[RawResponse], T],
        end: float,
        caller_bound: bool,
        number: int,
    ) -> T:
        if end - time.monotonic() <= 0:
            # The caller's budget is spent: say so without blaming the service.
            raise ServiceTimeout(self.service, "deadline passed before the call was sent")
        permit: Permit | None = None
        if self.breaker is not None:
            permit = self.breaker.acquire()
            if permit is None:
                raise CircuitOpen(self.service, "circuit breaker is open")
        started = time.monotonic()
        try:
            result = handle(await self._send(call, end))
        except (ServiceUnavailable, ServiceTimeout) as exc:
            if permit is not None:
                self._judge(permit, exc, caller_bound)
            logger.warning(
                "upstream %s %s %s failed (attempt %d, %.0f ms): %s",
                self.service.name,
                call.method,
                call.target,
                number,
                (time.monotonic() - started) * 1000,
                exc.reason,
            )
            raise
        except BaseException:
            if permit is not None and self.breaker is not None:
                self.breaker.abandon(permit)
            raise
        if permit is not None and self.breaker is not None:
            self.breaker.success(permit)
        return result

    def _judge(
        self, permit: Permit, exc: ServiceUnavailable | ServiceTimeout, caller_bound: bool
    ) -> None:
        """Tell the breaker what a failed attempt says about the service's health."""
        assert self.breaker is not None
        if isinstance(exc, RequestRejected) and exc.status not in (408, 429):
            # A 4xx is the service telling us our request is wrong: it is up. 408 and 429 are
            # the exceptions, they mean it is struggling.
            self.breaker.success(permit)
        elif caller_bound and exc.reason == DEADLINE_EXCEEDED:
            # Cut short by the caller's own (shorter) budget: no verdict on the service.
            self.breaker.abandon(permit)
        else:
            self.breaker.failure(permit)

    async def _send(self, call: Call, end: float) -> RawResponse:
        remaining = max(end - time.monotonic(), 0.001)
        headers = dict(call.headers)
        data: bytes | None = None
        if call.payload is not None:
            data = orjson.dumps(call.payload)
            headers["Content-Type"] = "application/json"
        try:
            # asyncio.timeout also bounds reading the body, whatever aiohttp's timers do.
            async with (
                asyncio.timeout(remaining),
                self.session.request(
                    call.method,
                    call.url,
                    data=data,
                    headers=headers,
                    timeout=self.limits.client_timeout(total_s=remaining),
                    allow_redirects=call.follow_redirects,
                ) as response,
            ):
                self._check_status(response.status)
                body = await read_capped(self.service, response, self.limits.max_bytes)
                return RawResponse(response.status, response.headers, body)
        except aiohttp.ConnectionTimeoutError as exc:
            raise ServiceTimeout(self.service, "connect timeout") from exc
        except aiohttp.SocketTimeoutError as exc:
            raise ServiceTimeout(self.service, "read timeout") from exc
        except TimeoutError as exc:
            raise ServiceTimeout(self.service, DEADLINE_EXCEEDED) from exc
        except aiohttp.ClientPayloadError as exc:
            raise ConnectionFailed(self.service, "body truncated or corrupt") from exc
        except (aiohttp.ClientError, OSError) as exc:
            reason = f"connection failed ({type(exc).__name__})"
            raise ConnectionFailed(self.service, reason) from exc

    def _check_status(self, status: int) -> None:
        if status >= 500:
            raise ServerError(self.service, f"HTTP {status}", status=status)
        if status >= 400:
            raise RequestRejected(self.service, f"HTTP {status}", status=status)
        if 300 <= status < 400 and status != 304:
            reason = f"unexpected redirect HTTP {status}"
            raise ServiceUnavailable(self.service, reason, status=status)


class StopAtDeadline(stop_base):
    """Stop when the backoff would leave too little time before ``end`` for another attempt."""

    def __init__(self, end: float) -> None:
        self.end = end

    def __call__(self, retry_state: RetryCallState) -> bool:
        return time.monotonic() + retry_state.upcoming_sleep + MIN_ATTEMPT_S >= self.end


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, ServiceUnavailable | ServiceTimeout) and exc.retryable
