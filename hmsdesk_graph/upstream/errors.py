"""Typed failures of partner-service calls, all mapped onto the public upstream error codes
(and onto the outcome labels of the partner-call metrics).

Each error's message is public and names only the service; what went wrong in detail lives in
``reason`` (and ``status``), which is for logs and tests, never for clients.
"""

from __future__ import annotations

from dataclasses import dataclass

from hmsdesk_graph.errors import UpstreamTimeout, UpstreamUnavailable


@dataclass(frozen=True)
class Service:
    """A partner service as errors and logs name it."""

    name: str  # stable machine name, also the public ``extensions.service``
    label: str  # what a person reads: "practice management service"


PRACTICE = Service("practice", "practice management service")
TELEPHONY = Service("telephony", "telephony service")
MESSAGING = Service("messaging", "messaging service")
FEEDS = Service("feeds", "partner price feed")


class ServiceUnavailable(UpstreamUnavailable):
    """A partner service could not give a usable answer (``UPSTREAM_UNAVAILABLE``)."""

    retryable = False

    def __init__(self, service: Service, reason: str, *, status: int | None = None) -> None:
        super().__init__(f"The {service.label} is unavailable right now.", service=service.name)
        self.service = service
        self.reason = reason
        self.status = status


class ConnectionFailed(ServiceUnavailable):
    """Refused, reset or dropped connection, or a body cut short: transient by nature."""

    retryable = True


class ServerError(ServiceUnavailable):
    """The service answered 5xx."""

    retryable = True


class RequestRejected(ServiceUnavailable):
    """The service answered 4xx: asking again would get the same answer."""


class MalformedResponse(ServiceUnavailable):
    """The body is not valid JSON (or not UTF-8)."""


class UnexpectedShape(ServiceUnavailable):
    """The body is valid JSON but not the shape the contract promises."""


class ResponseTooLarge(ServiceUnavailable):
    """The body is larger than ``upstream_max_response_bytes``."""


class CircuitOpen(ServiceUnavailable):
    """The service's circuit breaker is open: answered at once, without any HTTP call."""


class ServiceTimeout(UpstreamTimeout):
    """The service did not answer within its timeouts or the caller's deadline."""

    retryable = True

    def __init__(self, service: Service, reason: str) -> None:
        super().__init__(f"The {service.label} did not answer in time.", service=service.name)
        self.service = service
        self.reason = reason
        self.status: int | None = None


# The metrics label of a failed attempt (hmsdesk_upstream_calls' outcome), first match winning:
# the specific failures come before their base classes.
_OUTCOMES: tuple[tuple[type[BaseException], str], ...] = (
    (CircuitOpen, "circuit_open"),
    (ServiceTimeout, "timeout"),
    (RequestRejected, "rejected"),
    (ResponseTooLarge, "too_large"),
    (MalformedResponse, "malformed"),
    (Exception, "unavailable"),  # any other failure
)


def attempt_outcome(exc: BaseException) -> str:
    """How an attempt that raised ``exc`` ended, as the partner-call metrics label it."""
    return next((label for kind, label in _OUTCOMES if isinstance(exc, kind)), "cancelled")
