"""The per-request Context handed to every resolver, and the `Info` alias resolvers use."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import strawberry

from hmsdesk_graph.audit import AuditTrail
from hmsdesk_graph.auth import ANONYMOUS, Viewer
from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.db.enums import Channel
from hmsdesk_graph.db.statements import StatementCounter
from hmsdesk_graph.events import EventRecorder
from hmsdesk_graph.loaders import Loaders
from hmsdesk_graph.pagination import CursorCodec
from hmsdesk_graph.ratelimit import SlidingWindowLimiter

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
    contact_limiter: SlidingWindowLimiter | None = None
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

    @property
    def channel(self) -> Channel:
        """Which client asked (the X-Client-Channel header): for listing events only."""
        raw = (self.request.headers.get("x-client-channel", "") if self.request else "").upper()
        return Channel(raw) if raw in Channel.__members__ else Channel.API


Info = strawberry.Info[Context, None]
