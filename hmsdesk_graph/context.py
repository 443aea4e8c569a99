"""The per-request Context handed to every resolver, and the `Info` alias resolvers use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import strawberry

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.enums import Channel
from hmsdesk_graph.db.statements import StatementCounter
from hmsdesk_graph.events import EventRecorder
from hmsdesk_graph.loaders import Loaders
from hmsdesk_graph.pagination import CursorCodec

if TYPE_CHECKING:
    from starlette.requests import Request


@dataclass
class Context:
    """What one request knows: settings, its own loaders, and its statement counter."""

    settings: Settings
    cursors: CursorCodec
    request: Request | None = None
    loaders: Loaders = field(default_factory=Loaders)
    statements: StatementCounter | None = None
    events: EventRecorder | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_settings(cls, settings: Settings, request: Request | None = None) -> Context:
        """A context outside the HTTP app (CLI, tests) with a fresh cursor codec."""
        return cls(settings=settings, cursors=CursorCodec(settings.secret_key), request=request)

    @property
    def channel(self) -> Channel:
        """Which client asked (the X-Client-Channel header): for listing events only."""
        raw = (self.request.headers.get("x-client-channel", "") if self.request else "").upper()
        return Channel(raw) if raw in Channel.__members__ else Channel.API


Info = strawberry.Info[Context, None]
