"""A small dependency-free progress bar on stderr, for long command-line jobs.

On a terminal it redraws one line (percent, rows, rate); when stderr is a file or a pipe it
prints a plain line every 10 % so logs stay short and readable.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

_BAR_WIDTH = 24
_REDRAW_SECONDS = 0.1


class Progress:
    """Progress of one job of `total` units; `advance()` as work is done, `close()` at the end."""

    def __init__(
        self,
        label: str,
        total: int,
        *,
        enabled: bool = True,
        stream: TextIO | None = None,
        unit: str = "rows",
    ) -> None:
        self.label = label
        self.total = max(total, 0)
        self.done = 0
        self.unit = unit
        self.enabled = enabled
        self._stream = stream if stream is not None else sys.stderr
        self._tty = bool(getattr(self._stream, "isatty", lambda: False)())
        self._started = time.perf_counter()
        self._last_draw = 0.0
        self._last_decile = -1
        self._closed = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._started

    def advance(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        if self._tty:
            now = time.perf_counter()
            if now - self._last_draw >= _REDRAW_SECONDS:
                self._last_draw = now
                self._draw()
        elif self.total:
            decile = min(self.done * 10 // self.total, 10)
            if decile > self._last_decile and decile < 10:
                self._last_decile = decile
                self._stream.write(self._line() + "\n")
                self._stream.flush()

    def close(self) -> None:
        """Print the final state once (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if not self.enabled:
            return
        if self._tty:
            self._draw()
            self._stream.write("\n")
        else:
            self._stream.write(self._line() + "\n")
        self._stream.flush()

    def _draw(self) -> None:
        self._stream.write("\r\x1b[2K" + self._line(bar=True))
        self._stream.flush()

    def _line(self, bar: bool = False) -> str:
        elapsed = self.elapsed
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self.total:
            fraction = min(self.done / self.total, 1.0)
            shown = f"{fraction * 100:5.1f}% "
            if bar:
                filled = int(fraction * _BAR_WIDTH)
                shown = "[" + "#" * filled + "." * (_BAR_WIDTH - filled) + "] " + shown
            counts = f"{self.done:,}/{self.total:,} {self.unit}"
        else:
            shown = ""
            counts = f"{self.done:,} {self.unit}"
        return f"{self.label:<24} {shown}{counts}  {rate:,.0f}/s  {elapsed:.1f}s"
