"""Clients for the partner services (DESIGN §8), one aiohttp session per upstream service.

The app lifespan opens them with ``await Upstreams.open(settings)`` and closes them with
``await upstreams.close()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hmsdesk_graph.config import Settings
from hmsdesk_graph.upstream.client import ServiceClient
from hmsdesk_graph.upstream.errors import (
    CircuitOpen,
    ConnectionFailed,
    MalformedResponse,
    RequestRejected,
    ResponseTooLarge,
    ServerError,
    ServiceTimeout,
    ServiceUnavailable,
    UnexpectedShape,
)
from hmsdesk_graph.upstream.feeds import FeedResponse, fetch_feed, open_feed_session
from hmsdesk_graph.upstream.messaging import MessageReceipt, MessagingClient
from hmsdesk_graph.upstream.practice import PracticeClient
from hmsdesk_graph.upstream.telephony import RoutedNumber, TelephonyClient
from hmsdesk_graph.upstream.templates import TEMPLATES, InvalidMessage
from hmsdesk_graph.upstream.transport import Limits, deadline_in

__all__ = [
    "TEMPLATES",
    "CircuitOpen",
    "ConnectionFailed",
    "FeedResponse",
    "InvalidMessage",
    "Limits",
    "MalformedResponse",
    "MessageReceipt",
    "MessagingClient",
    "PracticeClient",
    "RequestRejected",
    "ResponseTooLarge",
    "RoutedNumber",
    "ServerError",
    "ServiceTimeout",
    "ServiceUnavailable",
    "TelephonyClient",
    "UnexpectedShape",
    "Upstreams",
    "deadline_in",
    "fetch_feed",
    "open_feed_session",
]


@dataclass
class Upstreams:
    """The partner-service clients of one app process."""

    practice: PracticeClient
    telephony: TelephonyClient
    messaging: MessagingClient

    @classmethod
    async def open(cls, settings: Settings) -> Upstreams:
        """Open one session per service; call from inside the running loop (the lifespan)."""
        opened: list[ServiceClient] = []
        try:
            practice = await PracticeClient.open(settings)
            opened.append(practice)
            telephony = await TelephonyClient.open(settings)
            opened.append(telephony)
            messaging = await MessagingClient.open(settings)
            opened.append(messaging)
        except BaseException:
            for client in opened:
                await client.close()
            raise
        return cls(practice=practice, telephony=telephony, messaging=messaging)

    async def close(self) -> None:
        """Close every session (idempotent)."""
        for client in (self.practice, self.telephony, self.messaging):
            await client.close()

    async def __aenter__(self) -> Upstreams:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
