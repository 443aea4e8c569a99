"""The base of the partner-service clients: one session, one breaker, one base URL each.

One ``aiohttp.ClientSession`` per upstream service (its own connection pool and per-host
limit), created by the async ``open`` factory inside the running loop, never at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Self, TypeVar

from hmsdesk_graph.config import Settings
from hmsdesk_graph.shared.cache_run import refuse
from hmsdesk_graph.upstream.breaker import CircuitBreaker
from hmsdesk_graph.upstream.errors import MESSAGING, PRACTICE, TELEPHONY, Service
from hmsdesk_graph.upstream.transport import (
    Call,
    Limits,
    RawResponse,
    Transport,
    decode_json,
    open_session,
)

T = TypeVar("T")


class ServiceClient:
    """Base of PracticeClient, TelephonyClient and MessagingClient."""

    service: ClassVar[Service]

    def __init__(self, transport: Transport, settings: Settings) -> None:
        self.transport = transport
        self.base_url = self.base_url_from(settings).rstrip("/")

    @classmethod
    def base_url_from(cls, settings: Settings) -> str:
        """The service's base URL: one setting per partner service."""
        return {
            PRACTICE.name: settings.practice_url,
            TELEPHONY.name: settings.telephony_url,
            MESSAGING.name: settings.messaging_url,
        }[cls.service.name]

    @classmethod
    async def open(cls, settings: Settings) -> Self:
        """Create the client with its own session; call from inside the running loop."""
        limits = Limits.from_settings(settings)
        session = open_session(limits, settings.upstream_max_connections_per_host)
        breaker = CircuitBreaker(settings.breaker_failure_threshold, settings.breaker_reset_s)
        return cls(Transport(session, cls.service, limits, breaker), settings)

    @property
    def breaker(self) -> CircuitBreaker | None:
        return self.transport.breaker

    async def close(self) -> None:
        await self.transport.session.close()

    async def post_json(
        self,
        path: str,
        payload: Any,
        parse: Callable[[Any], T],
        *,
        idempotent: bool,
        headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> T:
        """POST a JSON body and parse the JSON answer with ``parse`` (which raises
        UnexpectedShape when the answer is not the contract's)."""
        refuse("partner")  # a partner's answer is live: the response around it is not cached
        call = Call(
            "POST",
            self.base_url + path,
            idempotent=idempotent,
            payload=payload,
            headers={"Accept": "application/json", **(headers or {})},
        )
        service = self.service

        def handle(response: RawResponse) -> T:
            return parse(decode_json(service, response.body))

        return await self.transport.exchange(call, handle, deadline=deadline)
