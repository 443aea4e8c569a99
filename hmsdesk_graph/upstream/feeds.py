"""Partner price feeds: a conditional, size-capped GET of a price list (JSON or CSV).

Only the fetch lives here; validating and upserting rows is the ingestion pipeline's job.
Feeds are pulled in the background from many partners' hosts, so there is no breaker: each
feed's failure is recorded on its own run instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import aiohttp
from yarl import URL

from hmsdesk_graph.config import Settings
from hmsdesk_graph.upstream.errors import FEEDS, UnexpectedShape
from hmsdesk_graph.upstream.transport import Call, Limits, RawResponse, Transport, open_session

FeedFormat = Literal["json", "csv"]


@dataclass(frozen=True)
class FeedResponse:
    """One fetch of a feed: either new content with its ETag, or "not modified"."""

    url: str
    not_modified: bool
    etag: str | None
    content_type: str | None
    body: bytes
    fetched_at: datetime

    @property
    def format(self) -> FeedFormat | None:
        """The body's format from its Content-Type (None when not modified or unknown)."""
        if self.not_modified or self.content_type is None:
            return None
        if self.content_type == "application/json" or self.content_type.endswith("+json"):
            return "json"
        if self.content_type in ("text/csv", "application/csv"):
            return "csv"
        return None


def open_feed_session(settings: Settings) -> aiohttp.ClientSession:
    """The session feed fetches share (call inside the running loop, close it after)."""
    return open_session(Limits.from_settings(settings), settings.upstream_max_connections_per_host)


def limits_of(session: aiohttp.ClientSession, settings: Settings | None = None) -> Limits:
    """Feed limits: the session's own timeouts, size cap and attempts from settings."""
    base = Limits.from_settings(settings or Settings())
    timeout = session.timeout
    return Limits(
        connect_s=timeout.sock_connect or base.connect_s,
        read_s=timeout.sock_read or base.read_s,
        total_s=timeout.total or base.total_s,
        max_bytes=base.max_bytes,
        max_attempts=base.max_attempts,
    )


async def fetch_feed(
    session: aiohttp.ClientSession,
    url: str,
    etag: str | None,
    *,
    limits: Limits | None = None,
    deadline: float | None = None,
) -> FeedResponse:
    """GET ``url``, with ``If-None-Match: etag`` when given; 304 comes back as not modified.

    The body is streamed under the size cap; failures raise the upstream errors
    (ServiceUnavailable / ServiceTimeout) naming the partner feed, never the URL.
    """
    if URL(url).scheme not in ("http", "https"):
        raise ValueError("feed URL must be http:// or https://")
    headers = {"Accept": "application/json, text/csv;q=0.9"}
    if etag:
        headers["If-None-Match"] = etag
    call = Call("GET", url, idempotent=True, headers=headers, follow_redirects=True)
    transport = Transport(session, FEEDS, limits or limits_of(session), breaker=None)

    def handle(response: RawResponse) -> FeedResponse:
        fetched_at = datetime.now(UTC)
        if response.status == 304:
            return FeedResponse(
                url, True, response.headers.get("ETag", etag), None, b"", fetched_at
            )
        if response.status != 200:
            raise UnexpectedShape(FEEDS, f"unexpected HTTP {response.status}")
        content_type = response.headers.get("Content-Type")
        if content_type is not None:
            content_type = content_type.split(";", 1)[0].strip().lower()
        return FeedResponse(
            url, False, response.headers.get("ETag"), content_type, response.body, fetched_at
        )

    return await transport.exchange(call, handle, deadline=deadline)
