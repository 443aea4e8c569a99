"""The circuit breaker: unit behaviour on a fake clock, then against the real sandbox."""

from __future__ import annotations

import asyncio
import time
from datetime import date

import pytest

from hmsdesk_graph.sandbox import RunningSandbox
from hmsdesk_graph.upstream import (
    CircuitOpen,
    PracticeClient,
    RequestRejected,
    ServerError,
    ServiceTimeout,
    deadline_in,
)
from hmsdesk_graph.upstream.breaker import BreakerState, CircuitBreaker
from tests.upstream.conftest import upstream_settings

DAY = date(2026, 11, 25)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _state(breaker: CircuitBreaker) -> BreakerState:
    return breaker.state


def _failing(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        permit = breaker.acquire()
        assert permit is not None
        breaker.failure(permit)


def test_opens_after_consecutive_failures_only() -> None:
    breaker = CircuitBreaker(3, 10.0, clock=FakeClock())
    _failing(breaker, 2)
    permit = breaker.acquire()
    assert permit is not None
    breaker.success(permit)  # a success resets the count
    _failing(breaker, 2)
    assert _state(breaker) is BreakerState.CLOSED
    _failing(breaker, 1)
    assert _state(breaker) is BreakerState.OPEN
    assert breaker.acquire() is None


def test_half_open_lets_one_probe_through_and_closes_on_success() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(1, 10.0, clock=clock)
    _failing(breaker, 1)
    clock.now += 9.9
    assert breaker.acquire() is None
    clock.now += 0.2
    probe = breaker.acquire()
    assert probe is not None and probe.probe
    assert _state(breaker) is BreakerState.HALF_OPEN
    assert breaker.acquire() is None  # only one probe at a time
    breaker.success(probe)
    assert _state(breaker) is BreakerState.CLOSED
    assert breaker.acquire() is not None


def test_failed_probe_reopens_for_a_full_reset_period() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(1, 10.0, clock=clock)
    _failing(breaker, 1)
    clock.now += 10
    probe = breaker.acquire()
    assert probe is not None
    breaker.failure(probe)
    assert _state(breaker) is BreakerState.OPEN
    clock.now += 9
    assert breaker.acquire() is None


def test_abandoned_probe_frees_the_slot() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(1, 1.0, clock=clock)
    _failing(breaker, 1)
    clock.now += 1
    probe = breaker.acquire()
    assert probe is not None
    breaker.abandon(probe)
    assert breaker.acquire() is not None


def test_a_stale_success_does_not_close_a_circuit_it_did_not_see_open() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(1, 10.0, clock=clock)
    slow = breaker.acquire()
    assert slow is not None
    _failing(breaker, 1)
    breaker.success(slow)  # started before the circuit opened
    assert _state(breaker) is BreakerState.OPEN


def test_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(0, 1.0)


async def test_open_breaker_answers_at_once_without_http_and_recovers(
    sandbox: RunningSandbox,
) -> None:
    settings = upstream_settings(sandbox, breaker_failure_threshold=3, breaker_reset_s=0.2)
    client = await PracticeClient.open(settings)
    try:
        sandbox.faults.slots.error_rate = 1.0
        with pytest.raises(ServerError):
            await client.slots([1], DAY, 1)  # three attempts, three failures
        assert sandbox.calls["slots"] == 3

        for _ in range(5):
            with pytest.raises(CircuitOpen) as caught:
                await client.slots([1], DAY, 1)
        assert sandbox.calls["slots"] == 3  # no HTTP call while open
        assert caught.value.extensions == {"service": "practice"}

        sandbox.faults.slots.error_rate = 0.0
        await asyncio.sleep(0.2 + 0.1)
        assert 1 in await client.slots([1], DAY, 1)  # the half-open probe succeeds
        assert client.breaker is not None
        assert client.breaker.state is BreakerState.CLOSED
        assert sandbox.calls["slots"] == 4
    finally:
        await client.close()


async def test_a_failing_probe_keeps_the_breaker_open(sandbox: RunningSandbox) -> None:
    settings = upstream_settings(
        sandbox, breaker_failure_threshold=1, breaker_reset_s=0.2, upstream_max_attempts=1
    )
    client = await PracticeClient.open(settings)
    try:
        sandbox.faults.slots.error_rate = 1.0
        with pytest.raises(ServerError):
            await client.slots([1], DAY, 1)
        await asyncio.sleep(0.3)
        with pytest.raises(ServerError):
            await client.slots([1], DAY, 1)  # the probe, failing
        with pytest.raises(CircuitOpen):
            await client.slots([1], DAY, 1)
        assert sandbox.calls["slots"] == 2
    finally:
        await client.close()


async def test_client_errors_do_not_trip_the_breaker(sandbox: RunningSandbox) -> None:
    client = await PracticeClient.open(upstream_settings(sandbox, breaker_failure_threshold=2))
    try:
        sandbox.faults.slots.error_rate = 1.0
        sandbox.faults.slots.error_status = 404
        for _ in range(4):
            with pytest.raises(RequestRejected):
                await client.slots([1], DAY, 1)
        assert client.breaker is not None
        assert client.breaker.state is BreakerState.CLOSED
    finally:
        await client.close()


async def test_each_service_has_its_own_breaker(sandbox: RunningSandbox) -> None:
    from hmsdesk_graph.upstream import Upstreams

    upstreams = await Upstreams.open(
        upstream_settings(sandbox, breaker_failure_threshold=1, upstream_max_attempts=1)
    )
    try:
        sandbox.faults.slots.error_rate = 1.0
        with pytest.raises(ServerError):
            await upstreams.practice.slots([1], DAY, 1)
        started = time.monotonic()
        with pytest.raises(CircuitOpen):
            await upstreams.practice.slots([1], DAY, 1)
        assert time.monotonic() - started < 1.0
        number = await upstreams.telephony.routed_number(1, "caller-0001")
        assert number.number.startswith("+91 ")
    finally:
        await upstreams.close()


async def test_a_caller_budget_cut_short_is_no_verdict_on_the_service(
    sandbox: RunningSandbox,
) -> None:
    client = await PracticeClient.open(upstream_settings(sandbox, breaker_failure_threshold=1))
    assert client.breaker is not None
    try:
        with pytest.raises(ServiceTimeout):
            await client.slots([1], DAY, 1, deadline=deadline_in(-1))  # budget already spent
        assert sandbox.calls["slots"] == 0

        sandbox.faults.slots.latency_ms = 300  # slower than this caller's 0.1 s budget
        with pytest.raises(ServiceTimeout):
            await client.slots([1], DAY, 1, deadline=deadline_in(0.1))
        assert _state(client.breaker) is BreakerState.CLOSED

        sandbox.faults.slots.hang = True  # a service that never answers does trip it
        with pytest.raises(ServiceTimeout):
            await client.slots([1], DAY, 1)
        assert _state(client.breaker) is BreakerState.OPEN
    finally:
        await client.close()


async def test_a_breaker_opening_mid_retry_reports_the_real_failure(
    sandbox: RunningSandbox,
) -> None:
    client = await PracticeClient.open(upstream_settings(sandbox, breaker_failure_threshold=2))
    try:
        sandbox.faults.slots.error_rate = 1.0
        with pytest.raises(ServerError):
            await client.slots([1], DAY, 1)
        assert sandbox.calls["slots"] == 2  # the third attempt met the open breaker
        with pytest.raises(CircuitOpen):
            await client.slots([1], DAY, 1)
    finally:
        await client.close()
