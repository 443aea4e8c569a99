"""The partner-service routes: practice slots, telephony numbers, messaging, price feeds."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, TypeGuard

import orjson
from aiohttp import web

from hmsdesk_graph.sandbox.delivery import Answer, json_answer, problem, serve
from hmsdesk_graph.sandbox.outbox import KeyReused
from hmsdesk_graph.sandbox.pricelists import etag_matches, render_feed
from hmsdesk_graph.sandbox.slots import known_role, role_slots
from hmsdesk_graph.sandbox.state import STATE
from hmsdesk_graph.upstream.templates import TEMPLATES

MAX_ROLES = 1000
MAX_DAYS = 31
_CALLER_REF = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,128}")
_RECIPIENT = re.compile(r"[a-z]{2,8}_[A-Za-z0-9]{6,64}")


async def _body_fields(request: web.Request, *names: str) -> tuple[Any, ...] | Answer:
    """The named members of the JSON object body (None when absent), or the 400 answer."""
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        return problem(400, "body must be a JSON object")
    return tuple(body.get(name) for name in names)


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


async def slots_batch(request: web.Request) -> web.StreamResponse:
    """POST /practice/slots:batch ``{"roleIds", "from", "days"}`` → ``{"slots": {id: [...]}}``."""
    state = request.app[STATE]

    async def produce() -> Answer:
        fields = await _body_fields(request, "roleIds", "from", "days")
        if isinstance(fields, Answer):
            return fields
        role_ids, start_raw, days = fields
        if not isinstance(role_ids, list) or not all(_is_int(r) for r in role_ids):
            return problem(400, "roleIds must be a list of integers")
        if len(role_ids) > MAX_ROLES:
            return problem(400, f"at most {MAX_ROLES} roleIds per call")
        if not _is_int(days) or not 1 <= days <= MAX_DAYS:
            return problem(400, f"days must be an integer between 1 and {MAX_DAYS}")
        try:
            start = date.fromisoformat(start_raw) if isinstance(start_raw, str) else None
        except ValueError:
            start = None
        if start is None:
            return problem(400, "from must be a date (YYYY-MM-DD)")
        slots = {
            str(role_id): [at.isoformat() for at in role_slots(role_id, start, days, state.seed)]
            for role_id in dict.fromkeys(role_ids)
            if known_role(role_id)
        }
        return json_answer({"slots": slots})

    return await serve(request, "slots", produce)


async def telephony_numbers(request: web.Request) -> web.StreamResponse:
    """POST /telephony/numbers ``{"practitionerRoleId", "callerRef"}`` → a routed number."""
    state = request.app[STATE]

    async def produce() -> Answer:
        fields = await _body_fields(request, "practitionerRoleId", "callerRef")
        if isinstance(fields, Answer):
            return fields
        role_id, caller_ref = fields
        if not _is_int(role_id) or role_id <= 0:
            return problem(400, "practitionerRoleId must be a positive integer")
        if not isinstance(caller_ref, str) or _CALLER_REF.fullmatch(caller_ref) is None:
            return problem(400, "callerRef must be an opaque reference")
        return json_answer(state.numbers.allocate(role_id, caller_ref).to_json())

    return await serve(request, "telephony", produce)


async def messaging_send(request: web.Request) -> web.StreamResponse:
    """POST /messaging/send with an Idempotency-Key: one message per key."""
    state = request.app[STATE]

    async def produce() -> Answer:
        key = request.headers.get("Idempotency-Key", "")
        if _KEY.fullmatch(key) is None:
            return problem(400, "an Idempotency-Key header (8-128 safe characters) is required")
        fields = await _body_fields(request, "template", "to", "params")
        if isinstance(fields, Answer):
            return fields
        template, to, params = fields
        if not isinstance(template, str) or template not in TEMPLATES:
            return problem(422, "unknown template")
        if not isinstance(to, str) or _RECIPIENT.fullmatch(to) is None:
            return problem(400, "to must be an opaque recipient reference")
        if not isinstance(params, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in params.items()
        ):
            return problem(400, "params must be an object of strings")
        try:
            message, created = state.outbox.record(key, template, to, params)
        except KeyReused:
            return problem(422, "Idempotency-Key was already used for a different message")
        return json_answer(message.receipt(), 202 if created else 200)

    return await serve(request, "messaging", produce)


async def price_feed(request: web.Request) -> web.StreamResponse:
    """GET /feeds/{partner_slug}.json|.csv with a strong ETag; 304 on If-None-Match."""
    state = request.app[STATE]
    slug, fmt = request.match_info["slug"], request.match_info["fmt"]
    if "facility" in request.match_info:
        # A chain's feed per facility (the seed registers /feeds/<partner>/<facility>.json).
        slug = request.match_info["facility"]

    async def produce() -> Answer:
        feed = render_feed(slug, fmt, state.seed, state.feed_versions.get(slug, 0))
        headers = {"ETag": feed.etag, "Cache-Control": "no-cache"}
        if etag_matches(request.headers.get("If-None-Match"), feed.etag):
            return Answer(304, b"", feed.content_type, headers)
        return Answer(200, feed.body, feed.content_type, headers)

    return await serve(request, "feeds", produce)


def add_partner_routes(app: web.Application) -> None:
    app.router.add_post("/practice/slots:batch", slots_batch)
    app.router.add_post("/telephony/numbers", telephony_numbers)
    app.router.add_post("/messaging/send", messaging_send)
    app.router.add_get(r"/feeds/{slug:[a-z0-9][a-z0-9-]{0,79}}.{fmt:json|csv}", price_feed)
    app.router.add_get(
        r"/feeds/{slug:[a-z0-9][a-z0-9-]{0,79}}/{facility:[a-z0-9][a-z0-9-]{0,119}}.{fmt:json|csv}",
        price_feed,
    )
