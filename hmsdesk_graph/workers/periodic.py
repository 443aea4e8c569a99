"""A pass of background work every few seconds, for the app's lifespan (outbox, review publishing).

Each worker process runs its own schedule; the passes themselves are safe to run in several
processes at once (they claim rows), so there is no leader election here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import ClassVar


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task (if any) and wait until it has ended."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class Periodic:
    """Runs `run_once` every `interval_s` seconds in a background task until `stop`.

    A failing pass is logged (on the subclass's module logger) and the schedule goes on: the
    next pass retries whatever is still due. An interval of 0 turns the schedule off.
    """

    task_name: ClassVar[str]
    failure_message: ClassVar[str]
    # True: the first pass runs one interval after start, not at once, so workers that start
    # together (or restart in a loop) do not all scan at the same instant.
    first_pass_waits: ClassVar[bool] = False

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.passes = 0
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> None:
        """One pass of the work; a subclass defines it."""
        raise NotImplementedError

    def start(self) -> None:
        """Start the schedule (once; an interval of 0 turns it off)."""
        if self._task is None and self.interval_s > 0:
            self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        """Cancel the schedule and wait for the task to end."""
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        logger = logging.getLogger(type(self).__module__)
        if self.first_pass_waits:
            await asyncio.sleep(self.interval_s)
        while True:
            try:
                await self.run_once()
            except Exception:
                logger.exception(self.failure_message)
            self.passes += 1
            await asyncio.sleep(self.interval_s)
