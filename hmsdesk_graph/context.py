"""The per-request Context handed to every resolver, and the `Info` alias resolvers use."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from tortoise.models import Model

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.db.enums import Channel
from hmsdesk_graph.db.statements import StatementCounter
from hmsdesk_graph.guards.ratelimit import Limit, RateLimits
from hmsdesk_graph.identity.audit import AuditTrail
from hmsdesk_graph.identity.auth import ANONYMOUS, Viewer
from hmsdesk_graph.loaders import Loaders
from hmsdesk_graph.pagination import CursorCodec
from hmsdesk_graph.shared.clients import client_address, client_key
from hmsdesk_graph.shared.last_good import LastGood, age_seconds
from hmsdesk_graph.workers.events import EventRecorder

STALE_DATA = "STALE_DATA"  # a warning code, not an error: the value is there, only older

if TYPE_CHECKING:
    from starlette.requests import Request

    from hmsdesk_graph.upstream import Upstreams


@dataclass
class Context:
    """What one request knows: settings, its own loaders, and its statement counter."""

    settings: Settings
    cursors: CursorCodec
    request: Request | None = None
    statements: StatementCounter | None = None
    events: EventRecorder | None = None
    viewer: Viewer = ANONYMOUS
    cipher: FieldCipher | None = None
    upstreams: Upstreams | None = None
    # The request's budget for partner calls, on the time.monotonic() clock.
    deadline: float = field(default_factory=lambda: time.monotonic() + 2.0)
    audit: AuditTrail = field(default_factory=AuditTrail)
    rate_limits: RateLimits | None = None  # shared by every worker when Redis is configured
    # The compiled read path (issue 10) reads rows without model hydration; never for writes.
    lean_reads: bool = False
    # ... and leaves out, by model, the optional columns its plan never reads (lean rows only).
    unread: Mapping[type[Model], frozenset[str]] = field(default_factory=dict)
    last_good: LastGood | None = None  # partner answers kept for outages (shared store)
    # Response `extensions.warnings` (e.g. STALE_DATA), merged in by response_warnings.py.
    warnings: list[dict[str, Any]] = field(default_factory=list)
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        # Fresh per request: a loader's cache must never serve one viewer's rows to another.
        self.loaders = Loaders(self.upstreams, self.deadline)

    @classmethod
    def for_settings(
        cls, settings: Settings, viewer: Viewer = ANONYMOUS, request: Request | None = None
    ) -> Context:
        """A context outside the HTTP app (CLI, tests) with a fresh cursor codec."""
        return cls(
            settings=settings,
            cursors=CursorCodec(settings.secret_key),
            request=request,
            viewer=viewer,
            cipher=FieldCipher(settings.field_encryption_key),
        )

    def decrypt(self, token: str | None) -> str | None:
        """Plain text of a personal column, for resolvers that have checked the viewer."""
        if token is None or self.cipher is None:
            return None
        return self.cipher.decrypt(token)

    def client_key(self, subject: str | None = None) -> str:
        """An opaque rate-limit key: `subject`, else the viewer's, else their real address."""
        peer = self.request.client.host if self.request and self.request.client else None
        headers = self.request.headers if self.request else {}
        address = client_address(peer, headers, self.settings.trusted_proxies)
        if subject is None and not self.viewer.is_anonymous:
            subject = self.viewer.subject
        return client_key(self.settings.secret_key, subject, address)

    async def limit(
        self, limit: Limit, subject: str | None = None, action: str | None = None
    ) -> None:
        """Count one of the viewer's actions; RATE_LIMITED (with retryAfter) when over.
        With `action` (an opaque id), retries of that one action count once."""
        if self.rate_limits is None:
            return
        if action is None:
            await self.rate_limits.enforce(limit, self.client_key(subject))
        else:
            await self.rate_limits.enforce_once(limit, self.client_key(subject), action)

    def warn_stale(self, path: list[str | int], service: str, as_of: datetime) -> None:
        """Say in the response that the value at `path` is a kept one, not live, and how old."""
        self.warnings.append(
            {
                "code": STALE_DATA,
                "path": path,
                "service": service,
                "asOf": as_of.isoformat(),
                "ageSeconds": age_seconds(as_of),
            }
        )

    @property
    def channel(self) -> Channel:
        """Which client asked (the X-Client-Channel header): for listing events only."""
        raw = (self.request.headers.get("x-client-channel", "") if self.request else "").upper()
        return Channel(raw) if raw in Channel.__members__ else Channel.API


Info = strawberry.Info[Context, None]
