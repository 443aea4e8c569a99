"""CORS for browser clients on other origins (the web app, partner dashboards).

Off unless ``HMSDESK_CORS_ALLOW_ORIGINS`` names origins. Credentials mode stays off: clients
send a bearer token in ``Authorization``, never cookies, so no origin gets ambient authority.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from hmsdesk_graph.config import Settings


def cors_middleware(settings: Settings) -> list[Middleware]:
    """Starlette's CORSMiddleware with the configured origins, methods and headers (or none)."""
    if not settings.cors_allow_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_allow_origins),
            allow_methods=list(settings.cors_allow_methods),
            allow_headers=list(settings.cors_allow_headers),
            expose_headers=["X-Request-ID"],
            allow_credentials=False,
            max_age=settings.cors_max_age_s,
        )
    ]
