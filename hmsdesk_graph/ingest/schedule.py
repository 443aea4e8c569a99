"""``ingest-feeds --every 15m``: run, sleep, repeat, until Ctrl-C or SIGTERM.

A signal cancels the run in flight: each feed's transaction rolls back (nothing half
applied), its FeedRun is closed as FAILED "interrupted", and ``ingest_forever`` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import sys
import time
from typing import TextIO

from hmsdesk_graph.config import Settings
from hmsdesk_graph.ingest.report import IngestReport
from hmsdesk_graph.ingest.run import ingest_feeds

_INTERVAL = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_EVERY_S = 1.0

logger = logging.getLogger("hmsdesk_graph.ingest")


def parse_every(text: str) -> float:
    """``"15m"`` → 900.0 seconds (s, m, h, d; a bare number is seconds)."""
    match = _INTERVAL.fullmatch(text.strip().lower())
    if match is None:
        raise ValueError("interval must look like 90s, 15m, 6h or 1d")
    seconds = float(match.group(1)) * _UNIT_S[match.group(2)]
    if seconds < MIN_EVERY_S:
        raise ValueError(f"interval must be at least {MIN_EVERY_S:g} second")
    return seconds


async def ingest_forever(
    settings: Settings,
    every_s: float,
    partner_id: int | None = None,
    concurrency: int = 4,
    out: TextIO = sys.stderr,
    *,
    stop: asyncio.Event | None = None,
    max_runs: int | None = None,
) -> int:
    """Ingest every ``every_s`` seconds (start to start) and print each run's report.

    Stops on SIGINT / SIGTERM (or when ``stop`` is set, or after ``max_runs``); returns the
    number of completed runs. A run that takes longer than the interval is followed at once
    by the next, never by two at the same time.
    """
    if every_s < MIN_EVERY_S:
        raise ValueError(f"every_s must be at least {MIN_EVERY_S:g}")
    stopping = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    current: asyncio.Task[IngestReport] | None = None

    def on_signal() -> None:
        stopping.set()
        if current is not None and not current.cancelling():
            current.cancel()

    installed = []
    if stop is None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, on_signal)
                installed.append(signum)
    completed = 0
    try:
        while not stopping.is_set() and (max_runs is None or completed < max_runs):
            started = time.monotonic()
            current = asyncio.create_task(ingest_feeds(settings, partner_id, concurrency, out))
            waiter = asyncio.create_task(stopping.wait())
            try:
                await asyncio.wait({current, waiter}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
            if stopping.is_set() and not current.done() and not current.cancelling():
                current.cancel()  # stopped mid-run: the feeds in flight roll back
            try:
                report = await current
            except asyncio.CancelledError:
                if not stopping.is_set():
                    raise
                break
            except Exception:  # e.g. the database is away: try again next time
                logger.exception("feed ingestion run failed")
                out.write("Feed ingestion run failed; retrying at the next interval\n")
            else:
                completed += 1
                out.write(report.format())
            finally:
                current = None
            out.flush()
            if max_runs is not None and completed >= max_runs:
                break
            remaining = every_s - (time.monotonic() - started)
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), remaining)
    finally:
        if current is not None and not current.done():
            current.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await current
        for signum in installed:
            loop.remove_signal_handler(signum)
    return completed
