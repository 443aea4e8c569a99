"""The staff explorer: GraphiQL served by the app itself (no CDN), with the committed operations.

On in development; in production only with ``HMSDESK_EXPLORER_ENABLED=true``. Staff paste a
token and a purpose; the page sends them as ``Authorization`` and ``X-Access-Purpose`` and keeps
them in memory only (never in localStorage). The scripts are GraphiQL 3 and React 18 UMD builds
copied from the npm registry into ``static/explorer/vendor`` with their licences (kept apart
from the project's own ``explorer.js``/``explorer.css`` so tools can tell third-party code).
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from pathlib import Path

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from hmsdesk_graph.config import Settings
from hmsdesk_graph.ops.metrics import default_operations_dir

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "explorer"
STATIC_PREFIX = "/explorer/static"
# Everything the page loads comes from this origin; the data block below is not executed.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex">
<title>HMSDESK Graph explorer</title>
<link rel="stylesheet" href="{static}/vendor/graphiql.min.css">
<link rel="stylesheet" href="{static}/explorer.css">
</head>
<body>
<form id="hmsdesk-credentials" autocomplete="off">
  <strong>HMSDESK Graph explorer</strong>
  <label>Token <input id="hmsdesk-token" type="password" placeholder="bearer token"></label>
  <label>Purpose <input id="hmsdesk-purpose" type="text" size="40"
    placeholder="why you read personal data (audited)"></label>
  <button id="hmsdesk-apply" type="submit">Use</button>
  <span id="hmsdesk-viewer">anonymous</span>
</form>
<div id="graphiql"></div>
<script type="application/json" id="hmsdesk-operations">{operations}</script>
<script src="{static}/vendor/react.production.min.js"></script>
<script src="{static}/vendor/react-dom.production.min.js"></script>
<script src="{static}/vendor/graphiql.min.js"></script>
<script src="{static}/explorer.js"></script>
</body>
</html>
"""


def committed_documents(settings: Settings) -> list[dict[str, str]]:
    """The committed operations as explorer tabs: file name and text."""
    directory = Path(settings.operations_dir or default_operations_dir())
    if not directory.is_dir():
        return []
    return [
        {"name": path.stem, "query": path.read_text(encoding="utf-8")}
        for path in sorted(directory.glob("*.graphql"))
    ]


def render_page(settings: Settings) -> str:
    """The explorer page with the committed operations embedded as JSON data."""
    data = orjson.dumps(committed_documents(settings)).decode()
    # JSON inside <script>: "</" would end the element early.
    data = data.replace("</", "<\\/")
    return PAGE.format(static=html.escape(STATIC_PREFIX), operations=data)


def wants_explorer(request: Request) -> bool:
    """A browser navigating to /graphql: GET, HTML preferred, no query to run."""
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


def explorer_routes(
    settings: Settings, graphql: Callable[[Request], Awaitable[Response]]
) -> tuple[Callable[[Request], Awaitable[Response]], list[BaseRoute]]:
    """The /graphql handler (answering browsers with the page when on) and the explorer routes."""
    if not settings.explorer_on:
        return graphql, []
    page = render_page(settings)
    headers = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }

    async def explorer(_request: Request) -> Response:
        return HTMLResponse(page, headers=headers)

    async def graphql_or_explorer(request: Request) -> Response:
        if wants_explorer(request):
            return HTMLResponse(page, headers=headers)
        return await graphql(request)

    routes: list[BaseRoute] = [
        Route("/explorer", explorer, methods=["GET"]),
        Mount(STATIC_PREFIX, app=StaticFiles(directory=STATIC_DIR), name="explorer-static"),
    ]
    return graphql_or_explorer, routes
