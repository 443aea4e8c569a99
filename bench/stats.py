"""Summary statistics of one run: percentiles by nearest rank, means, throughput."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The nearest-rank p-th percentile of already sorted values (0 < p <= 100).

    Nearest rank returns a value that was actually observed, so p99 of 100 requests is the
    99th slowest one rather than an interpolation between two requests.
    """
    if not sorted_values:
        raise ValueError("percentile of no values")
    if not 0 < p <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {p}")
    rank = math.ceil(p / 100 * len(sorted_values))
    return sorted_values[max(rank, 1) - 1]


@dataclass(frozen=True)
class LatencySummary:
    """Latency percentiles in milliseconds."""

    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float


def summarise_latencies(latencies_ns: Sequence[int]) -> LatencySummary | None:
    """Percentiles of request latencies given in nanoseconds; None when nothing completed."""
    if not latencies_ns:
        return None
    ordered = sorted(latencies_ns)
    to_ms = 1e-6
    return LatencySummary(
        p50_ms=percentile(ordered, 50) * to_ms,
        p90_ms=percentile(ordered, 90) * to_ms,
        p99_ms=percentile(ordered, 99) * to_ms,
        max_ms=ordered[-1] * to_ms,
        mean_ms=sum(ordered) / len(ordered) * to_ms,
    )


@dataclass(frozen=True)
class StatementSummary:
    """SQL statements per request, over the requests that reported a count."""

    mean: float
    min: int
    max: int


def summarise_statements(counts: Sequence[int]) -> StatementSummary | None:
    """Mean, min and max statements per request; None when no response carried a count."""
    if not counts:
        return None
    return StatementSummary(mean=sum(counts) / len(counts), min=min(counts), max=max(counts))


def throughput(completed: int, seconds: float) -> float:
    """Requests per second over a measuring window."""
    if seconds <= 0:
        raise ValueError("the measuring window must be longer than zero")
    return completed / seconds
