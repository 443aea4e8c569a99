"""Closed-loop load: N workers each send a request, wait for the answer, and send the next.

The client runs in the benchmark process, apart from the server, and is kept cheap because on
this machine it shares two cores with the server: request bodies are serialised once up front,
responses are decoded with orjson, and the HTTP parser is aiohttp's C one.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import aiohttp
import orjson

_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
_MAX_ERROR_KINDS = 8


class Answer(NamedTuple):
    """What one response says, as far as the benchmark cares."""

    error: str | None  # None when HTTP 200 with data and no errors
    statements: int | None  # extensions.sqlStatements
    empty: bool  # every root field is null or an empty list / connection
    edges: int = 0  # edges of the root connections that record impressions (listings shown)


@dataclass
class SetSamples:
    """What one variable set observed (to tell which variables cost what)."""

    latencies_ns: list[int] = field(default_factory=list)
    statements: set[int] = field(default_factory=set)
    errors: int = 0
    empty: int = 0


@dataclass
class RunSamples:
    """What one run observed inside its measuring window."""

    window_s: float
    latencies_ns: list[int] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    errors: int = 0
    error_kinds: Counter[str] = field(default_factory=Counter)
    without_statements: int = 0  # successful answers that carried no extensions.sqlStatements
    empty: int = 0  # successful answers with nothing in them
    response_bytes: int = 0
    cache_hits: int = 0  # answers marked X-HMSDESK-Cache: HIT
    cache_misses: int = 0  # answers marked MISS (looked up, computed, maybe stored)
    per_set: list[SetSamples] = field(default_factory=list)
    # Edges of every successful answer of the run, warm-up and late answers included: the
    # impressions the server should record for it.
    edges_served: int = 0

    @property
    def completed(self) -> int:
        """Requests answered inside the window, failed ones included."""
        return len(self.latencies_ns)


def request_bodies(document: str, operation_name: str, variable_sets: Sequence[Any]) -> list[bytes]:
    """The POST bodies, serialised once so the load loop only sends bytes."""
    return [
        orjson.dumps({"query": document, "operationName": operation_name, "variables": v})
        for v in variable_sets
    ]


def _describe_errors(payload: Any) -> str:
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not errors:
        return "no data"
    first = errors[0] if isinstance(errors[0], dict) else {}
    code = (first.get("extensions") or {}).get("code", "?")
    path = ".".join(str(p) for p in first.get("path") or [])
    return f"{code}: {first.get('message', '?')}" + (f" at {path}" if path else "")


def _is_empty(value: Any) -> bool:
    if value is None or value == []:
        return True
    return isinstance(value, dict) and value.get("edges") == []


def is_empty_data(data: Any) -> bool:
    """True when every root field is null, an empty list or a connection without edges.

    A benchmark of empty pages measures nothing useful, so the report flags them.
    """
    return isinstance(data, dict) and all(_is_empty(v) for v in data.values())


# Root fields whose every edge is an impression the server records (resolvers/search.py).
IMPRESSION_FIELDS = frozenset({"searchPractitioners"})


def served_edges(data: Any) -> int:
    """Edges of the root connections that record impressions: each one a listing shown."""
    if not isinstance(data, dict):
        return 0
    return sum(
        len(v["edges"])
        for k, v in data.items()
        if k in IMPRESSION_FIELDS and isinstance(v, dict) and isinstance(v.get("edges"), list)
    )


def check_response(status: int, raw: bytes) -> Answer:
    """Classify one answer: error, statement count, emptiness."""
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return Answer(f"HTTP {status}: not JSON", None, False)
    if not isinstance(payload, dict):
        return Answer(f"HTTP {status}: not a JSON object", None, False)
    count = (payload.get("extensions") or {}).get("sqlStatements")
    statements = count if isinstance(count, int) else None
    if status != 200:
        return Answer(f"HTTP {status} {_describe_errors(payload)}", statements, False)
    data = payload.get("data")
    if payload.get("errors") or data is None:
        return Answer(_describe_errors(payload), statements, False)
    return Answer(None, statements, is_empty_data(data), served_edges(data))


async def drive(
    url: str,
    bodies: Sequence[bytes],
    *,
    concurrency: int,
    duration_s: float,
    warmup_s: float,
    timeout_s: float = 30.0,
    on_window: Callable[[str], Awaitable[None]] | None = None,
) -> RunSamples:
    """Send the bodies in rotation from ``concurrency`` workers for warm-up plus duration.

    Only answers that arrive inside the measuring window (after the warm-up) are recorded, so
    req/s is answers in the window divided by its length. ``on_window`` is awaited with
    "start" and "end" when the window opens and closes, to read counters over it exactly.
    """
    if not bodies:
        raise ValueError("nothing to send")
    samples = RunSamples(window_s=duration_s, per_set=[SetSamples() for _ in bodies])
    rotation = itertools.count()
    start = time.perf_counter_ns()
    measure_from = start + int(warmup_s * 1e9)
    stop_at = measure_from + int(duration_s * 1e9)

    def record(
        index: int, t0: int, t1: int, size: int, answer: Answer, cache: str | None = None
    ) -> None:
        if answer.error is None:
            samples.edges_served += answer.edges
        if not measure_from <= t1 < stop_at:
            return
        per_set = samples.per_set[index]
        samples.latencies_ns.append(t1 - t0)
        per_set.latencies_ns.append(t1 - t0)
        samples.response_bytes += size
        if cache == "HIT":  # X-HMSDESK-Cache; None when the response cache was not asked
            samples.cache_hits += 1
        elif cache == "MISS":
            samples.cache_misses += 1
        if answer.error is not None:
            samples.errors += 1
            per_set.errors += 1
            kinds = samples.error_kinds
            if answer.error in kinds or len(kinds) < _MAX_ERROR_KINDS:
                kinds[answer.error] += 1
            return
        if answer.empty:
            samples.empty += 1
            per_set.empty += 1
        if answer.statements is None:
            samples.without_statements += 1
        else:
            samples.statements.append(answer.statements)
            per_set.statements.add(answer.statements)

    async def worker(session: aiohttp.ClientSession) -> None:
        while (t0 := time.perf_counter_ns()) < stop_at:
            index = next(rotation) % len(bodies)
            try:
                async with session.post(url, data=bodies[index], headers=_HEADERS) as response:
                    raw = await response.read()
                    status = response.status
                    cache = response.headers.get("X-HMSDESK-Cache")
            except (aiohttp.ClientError, TimeoutError) as exc:
                failure = Answer(f"{type(exc).__name__}: {exc}", None, False)
                record(index, t0, time.perf_counter_ns(), 0, failure)
                # A refused connection fails at once: do not spin the CPU the server needs.
                await asyncio.sleep(0.05)
                continue
            t1 = time.perf_counter_ns()
            record(index, t0, t1, len(raw), check_response(status, raw), cache)

    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def mark_window() -> None:
        assert on_window is not None
        await asyncio.sleep(max(measure_from - time.perf_counter_ns(), 0) / 1e9)
        await on_window("start")
        await asyncio.sleep(max(stop_at - time.perf_counter_ns(), 0) / 1e9)
        await on_window("end")

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = [worker(session) for _ in range(concurrency)]
        if on_window is not None:
            tasks.append(mark_window())
        await asyncio.gather(*tasks)
    return samples
