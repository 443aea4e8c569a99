"""TelephonyClient: routed numbers per role and caller; allocation is never retried."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hmsdesk_graph.sandbox import RunningSandbox
from hmsdesk_graph.upstream import MalformedResponse, UnexpectedShape, Upstreams
from hmsdesk_graph.upstream.telephony import parse_routed_number


async def test_routed_number_is_reused_while_valid(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    first = await upstreams.telephony.routed_number(42, "caller-7f3a9c")
    again = await upstreams.telephony.routed_number(42, "caller-7f3a9c")
    assert first == again
    assert first.number.startswith("+91 20 ")
    assert first.extension is not None and first.extension.isdigit()
    assert first.expires_at > datetime.now(UTC)
    assert sandbox.calls["telephony"] == 2


async def test_malformed_answer_is_not_retried(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    sandbox.faults.telephony.malformed = True
    with pytest.raises(MalformedResponse):
        await upstreams.telephony.routed_number(42, "caller-7f3a9c")
    assert sandbox.calls["telephony"] == 1


@pytest.mark.parametrize("caller_ref", ["", "short", "9876543210", "ramesh@example.com", "a b"])
async def test_caller_ref_must_be_opaque(
    upstreams: Upstreams, sandbox: RunningSandbox, caller_ref: str
) -> None:
    with pytest.raises(ValueError):
        await upstreams.telephony.routed_number(42, caller_ref)
    assert sandbox.calls["telephony"] == 0


async def test_role_id_must_be_positive(upstreams: Upstreams, sandbox: RunningSandbox) -> None:
    with pytest.raises(ValueError):
        await upstreams.telephony.routed_number(0, "caller-7f3a9c")
    assert sandbox.calls["telephony"] == 0


def test_wrong_shapes_are_typed_errors() -> None:
    good = {"number": "+91 80 4567 8901", "extension": "1234", "expiresAt": "2026-11-25T10:00:00Z"}
    assert parse_routed_number(good).number == "+91 80 4567 8901"
    assert parse_routed_number({**good, "extension": None}).extension is None
    for body in (
        None,
        {**good, "number": "call reception"},
        {**good, "extension": 1234},
        {**good, "expiresAt": "soon"},
        {**good, "expiresAt": "2026-11-25T10:00:00"},
        {k: v for k, v in good.items() if k != "expiresAt"},
    ):
        with pytest.raises(UnexpectedShape):
            parse_routed_number(body)
