"""Turns a handler's answer into an HTTP response, applying the route's fault knobs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import orjson
from aiohttp import web

from hmsdesk_graph.sandbox.faults import RouteFaults
from hmsdesk_graph.sandbox.state import STATE, SandboxState

CHUNK = b"x" * (64 * 1024)
MALFORMED_BODY = b'{"slots": {"1": ["2026-11-25T09:00:00+05:30", '


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


def json_answer(data: object, status: int = 200) -> Answer:
    return Answer(status, orjson.dumps(data))


def problem(status: int, message: str) -> Answer:
    return json_answer({"error": message}, status)


async def serve(
    request: web.Request, route: str, produce: Callable[[], Awaitable[Answer]]
) -> web.StreamResponse:
    """Count the call, apply the faults that come before processing, process, then the rest."""
    state = request.app[STATE]
    state.calls[route] += 1
    faults = state.faults.route(route)
    if faults.latency_ms:
        await state.pause(faults.latency_ms / 1000)
    if faults.hang:
        await state.pause(None)
        return _plain(problem(503, "sandbox closing"))
    if state.dice.roll(route, faults.error_rate):
        return _plain(problem(faults.error_status, f"injected {route} fault"))
    answer = await produce()
    if answer.status >= 300:
        return _plain(answer)
    return await _deliver(request, state, faults, answer)


async def _deliver(
    request: web.Request, state: SandboxState, faults: RouteFaults, answer: Answer
) -> web.StreamResponse:
    if faults.oversized:
        return await _oversized(request, state, faults.oversized_bytes)
    if faults.malformed:
        return _plain(Answer(answer.status, MALFORMED_BODY, answer.content_type))
    if faults.truncated:
        return await _truncated(request, answer)
    return _plain(answer)


def _plain(answer: Answer) -> web.Response:
    response = web.Response(status=answer.status, body=answer.body, headers=answer.headers)
    response.content_type = answer.content_type
    return response


async def _truncated(request: web.Request, answer: Answer) -> web.StreamResponse:
    response = web.StreamResponse(status=answer.status, headers=answer.headers)
    response.content_type = answer.content_type
    response.content_length = max(len(answer.body), 2)
    await response.prepare(request)
    await response.write(answer.body[: response.content_length // 2])
    # Closing the socket mid-body is what a crashed or cut-off upstream looks like.
    if request.transport is not None:
        request.transport.close()
    return response


async def _oversized(request: web.Request, state: SandboxState, size: int) -> web.StreamResponse:
    # Chunked, with no Content-Length, so only a client that counts what it reads notices.
    response = web.StreamResponse(status=200)
    response.content_type = "application/json"
    response.enable_chunked_encoding()
    await response.prepare(request)
    sent = 0
    try:
        await response.write(b'{"padding": "')
        while sent < size and not state.closing.is_set():
            await response.write(CHUNK)
            sent += len(CHUNK)
        await response.write(b'"}')
        await response.write_eof()
    except ConnectionError:
        pass  # the client gave up reading, as it should
    return response
