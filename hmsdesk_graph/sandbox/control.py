"""Control routes for tests and demos: faults, call counters, recorded messages, reset.

- ``GET /_control/faults``; ``PUT`` replaces all faults, ``PATCH`` changes only the knobs given
  (both take ``{"slots": {"latency_ms": 800}, "all": {...}}``)
- ``GET /_control/calls``; ``DELETE /_control/calls`` zeroes the counters
- ``GET /_control/messages``: what the messaging double recorded
- ``POST /_control/feeds/{slug}/bump``: new prices (and ETag) for one partner's feed
- ``POST /_control/reset``: no faults, no calls, no numbers, no messages
"""

from __future__ import annotations

import orjson
from aiohttp import web

from hmsdesk_graph.sandbox.faults import Faults
from hmsdesk_graph.sandbox.state import STATE


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(data), content_type="application/json")


async def get_faults(request: web.Request) -> web.Response:
    return _json(request.app[STATE].faults.to_dict())


async def put_faults(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        data = orjson.loads(await request.read() or b"{}")
        if request.method == "PUT":
            state.faults.replace(Faults.from_dict(data))
        else:
            merged = Faults.from_dict(state.faults.to_dict())
            merged.merge(data)
            state.faults.replace(merged)
    except (orjson.JSONDecodeError, ValueError) as exc:
        return _json({"error": str(exc)}, 400)
    return _json(state.faults.to_dict())


async def get_calls(request: web.Request) -> web.Response:
    return _json(request.app[STATE].calls_snapshot())


async def reset_calls(request: web.Request) -> web.Response:
    state = request.app[STATE]
    state.calls.clear()
    return _json(state.calls_snapshot())


async def get_messages(request: web.Request) -> web.Response:
    return _json([message.to_json() for message in request.app[STATE].outbox.messages])


async def bump_feed(request: web.Request) -> web.Response:
    state = request.app[STATE]
    slug = request.match_info["slug"]
    state.feed_versions[slug] = state.feed_versions.get(slug, 0) + 1
    return _json({"partner": slug, "version": state.feed_versions[slug]})


async def reset(request: web.Request) -> web.Response:
    request.app[STATE].reset()
    return _json({"reset": True})


def add_control_routes(app: web.Application) -> None:
    app.router.add_get("/_control/faults", get_faults)
    app.router.add_put("/_control/faults", put_faults)
    app.router.add_patch("/_control/faults", put_faults)
    app.router.add_get("/_control/calls", get_calls)
    app.router.add_delete("/_control/calls", reset_calls)
    app.router.add_get("/_control/messages", get_messages)
    app.router.add_post(r"/_control/feeds/{slug:[a-z0-9][a-z0-9-]{0,79}}/bump", bump_feed)
    app.router.add_post("/_control/reset", reset)
