"""How partner failures surface: typed, public-safe errors, retried only when that is safe.

Timing assertions are upper bounds with generous margins, never speed targets.
"""

from __future__ import annotations

import time
from datetime import date

import pytest

from hmsdesk_graph.errors import ErrorCode, UpstreamTimeout, UpstreamUnavailable
from hmsdesk_graph.sandbox import RunningSandbox, start_sandbox
from hmsdesk_graph.upstream import (
    ConnectionFailed,
    MalformedResponse,
    PracticeClient,
    RequestRejected,
    ResponseTooLarge,
    ServerError,
    ServiceTimeout,
    TelephonyClient,
    Upstreams,
    deadline_in,
)
from tests.upstream.conftest import FAST, upstream_settings

DAY = date(2026, 11, 25)
TOTAL_S = FAST["upstream_total_timeout_s"]
MARGIN_S = 1.5


async def test_stopped_service_is_unavailable_fast() -> None:
    stopped = await start_sandbox("127.0.0.1", 0)
    await stopped.close()
    client = await PracticeClient.open(upstream_settings(stopped))
    try:
        started = time.monotonic()
        with pytest.raises(ConnectionFailed) as caught:
            await client.slots([1], DAY, 1)
        assert time.monotonic() - started < TOTAL_S + MARGIN_S
    finally:
        await client.close()
    assert isinstance(caught.value, UpstreamUnavailable)
    assert caught.value.code is ErrorCode.UPSTREAM_UNAVAILABLE


async def test_hung_service_times_out_within_the_total_timeout(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    sandbox.faults.slots.hang = True
    started = time.monotonic()
    with pytest.raises(ServiceTimeout) as caught:
        await upstreams.practice.slots([1], DAY, 1)
    assert time.monotonic() - started < TOTAL_S + MARGIN_S
    assert isinstance(caught.value, UpstreamTimeout)
    assert caught.value.code is ErrorCode.UPSTREAM_TIMEOUT
    assert 1 <= sandbox.calls["slots"] <= FAST["upstream_max_attempts"]


async def test_caller_deadline_bounds_the_call(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    sandbox.faults.slots.hang = True
    started = time.monotonic()
    with pytest.raises(ServiceTimeout):
        await upstreams.practice.slots([1], DAY, 1, deadline=deadline_in(0.2))
    assert time.monotonic() - started < 0.2 + MARGIN_S
    assert sandbox.calls["slots"] == 1


async def test_latency_below_the_timeouts_is_fine(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    sandbox.faults.slots.latency_ms = 100
    slots = await upstreams.practice.slots([1], DAY, 1)
    assert 1 in slots
    assert sandbox.calls["slots"] == 1


async def test_server_errors_are_retried_for_idempotent_calls(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    sandbox.faults.slots.error_rate = 1.0
    with pytest.raises(ServerError) as caught:
        await upstreams.practice.slots([1], DAY, 1)
    assert caught.value.status == 500
    assert sandbox.calls["slots"] == FAST["upstream_max_attempts"]


async def test_a_transient_server_error_is_absorbed_by_a_retry(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    sandbox.faults.slots.error_rate = 0.5  # the seeded sequence fails some calls, not all
    absorbed = 0
    for _ in range(10):
        before = sandbox.calls["slots"]
        try:
            await upstreams.practice.slots([1], DAY, 1)
        except ServerError:
            continue
        absorbed += sandbox.calls["slots"] - before > 1
    assert absorbed >= 1


async def test_telephony_is_never_retried(upstreams: Upstreams, sandbox: RunningSandbox) -> None:
    sandbox.faults.telephony.error_rate = 1.0
    with pytest.raises(ServerError):
        await upstreams.telephony.routed_number(1, "caller-0001")
    assert sandbox.calls["telephony"] == 1

    sandbox.faults.telephony.error_rate = 0.0
    sandbox.faults.telephony.truncated = True
    with pytest.raises(ConnectionFailed):
        await upstreams.telephony.routed_number(1, "caller-0001")
    assert sandbox.calls["telephony"] == 2


@pytest.mark.parametrize("status", [400, 404, 409, 429])
async def test_client_errors_are_never_retried(
    upstreams: Upstreams, sandbox: RunningSandbox, status: int
) -> None:
    sandbox.faults.slots.error_rate = 1.0
    sandbox.faults.slots.error_status = status
    with pytest.raises(RequestRejected) as caught:
        await upstreams.practice.slots([1], DAY, 1)
    assert caught.value.status == status
    assert isinstance(caught.value, UpstreamUnavailable)
    assert sandbox.calls["slots"] == 1


async def test_malformed_json_is_unavailable_and_not_retried(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    sandbox.faults.slots.malformed = True
    with pytest.raises(MalformedResponse):
        await upstreams.practice.slots([1], DAY, 1)
    assert sandbox.calls["slots"] == 1


async def test_truncated_body_is_unavailable(upstreams: Upstreams, sandbox: RunningSandbox) -> None:
    sandbox.faults.slots.truncated = True
    with pytest.raises(ConnectionFailed) as caught:
        await upstreams.practice.slots([1], DAY, 1)
    assert "truncated" in caught.value.reason
    # A cut-off transfer is transient, and this call is a read: it was retried.
    assert sandbox.calls["slots"] == FAST["upstream_max_attempts"]


async def test_oversized_body_is_cut_off_at_the_cap(sandbox: RunningSandbox) -> None:
    client = await PracticeClient.open(
        upstream_settings(sandbox, upstream_max_response_bytes=64 * 1024)
    )
    sandbox.faults.slots.oversized = True  # streams 8 MiB, chunked, no Content-Length
    try:
        with pytest.raises(ResponseTooLarge):
            await client.slots([1], DAY, 1)
    finally:
        await client.close()
    assert sandbox.calls["slots"] == 1


async def test_public_messages_name_the_service_and_nothing_else(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    sandbox.faults.slots.malformed = True
    sandbox.faults.telephony.hang = True
    with pytest.raises(UpstreamUnavailable) as unavailable:
        await upstreams.practice.slots([1], DAY, 1)
    with pytest.raises(UpstreamTimeout) as timed_out:
        await upstreams.telephony.routed_number(1, "caller-0001")

    assert unavailable.value.message == "The practice management service is unavailable right now."
    assert unavailable.value.extensions == {"service": "practice"}
    assert timed_out.value.message == "The telephony service did not answer in time."
    assert timed_out.value.extensions == {"service": "telephony"}
    port = sandbox.url.rsplit(":", 1)[1]
    for error in (unavailable.value, timed_out.value):
        assert port not in error.message
        assert "127.0.0.1" not in error.message


async def test_every_service_has_its_own_session(sandbox: RunningSandbox) -> None:
    settings = upstream_settings(sandbox, upstream_max_connections_per_host=7)
    upstreams = await Upstreams.open(settings)
    clients = (upstreams.practice, upstreams.telephony, upstreams.messaging)
    sessions = {id(client.transport.session) for client in clients}
    breakers = {id(client.breaker) for client in clients}
    try:
        assert len(sessions) == 3
        assert len(breakers) == 3
        for client in clients:
            session = client.transport.session
            assert session.timeout.total == settings.upstream_total_timeout_s
            assert session.timeout.sock_connect == settings.upstream_connect_timeout_s
            assert session.timeout.sock_read == settings.upstream_read_timeout_s
            assert session.connector is not None
            assert session.connector.limit_per_host == 7
    finally:
        await upstreams.close()
    assert all(client.transport.session.closed for client in clients)
    assert isinstance(upstreams.telephony, TelephonyClient)
