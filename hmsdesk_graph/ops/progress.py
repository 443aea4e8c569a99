"""Progress of long command-line jobs on stderr, drawn by tqdm.

On a terminal tqdm redraws one line (bar, count, rate, time left). When stderr is a file or a
pipe, a redrawn line would pile up as carriage returns in the log, so we print one plain line
about every 10 % instead (tqdm's documented custom front end: ``display()`` overridden).
"""

from __future__ import annotations

import math
import sys
from types import TracebackType
from typing import Any, TextIO

from tqdm import tqdm

# Redraws on a terminal at most this often; plain lines follow the 10 % steps instead.
_REDRAW_SECONDS = 0.1


class _PlainLines(tqdm):  # type: ignore[type-arg]
    """A tqdm that writes a new line per refresh instead of redrawing one (logs, pipes)."""

    def __init__(self, **options: Any) -> None:
        # gui=True: tqdm sets up no terminal status printer; display() below is the output.
        super().__init__(gui=True, **options)
        self._shown_at: float | None = None

    def display(self, msg: str | None = None, pos: int | None = None) -> None:
        """Write the current state as one line (``ncols=0``: counts and rate, no bar)."""
        self.fp.write(str(self) + "\n")
        self.fp.flush()
        self._shown_at = self.n

    def close(self) -> None:
        """Write the final state once, unless the last line already showed it."""
        if self.disable:
            return
        if self._shown_at != self.n:
            self.display()
        super().close()


class Progress:
    """Progress of one job of `total` units; `advance()` as work is done, `close()` at the end.

    ``total`` 0 means unknown (counts and rate only). ``enabled=False`` prints nothing but
    still counts, so callers need no second code path.
    """

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
        out = stream if stream is not None else sys.stderr
        options: dict[str, Any] = {
            "desc": label,
            "total": self.total or None,
            "unit": unit,
            # 1.2M/3.4M for seed tables; exact counts for small jobs (no "1.00/3.00 feeds").
            "unit_scale": self.total >= 10_000,
            "file": out,
            "disable": not enabled,
            "leave": True,
        }
        self._bar: tqdm[Any]
        if bool(getattr(out, "isatty", lambda: False)()):
            self._bar = tqdm(mininterval=_REDRAW_SECONDS, dynamic_ncols=True, **options)
        else:
            # A line about every 10 % of a known total (none while it is unknown), then the end.
            every = math.ceil(self.total / 10) if self.total else sys.maxsize
            self._bar = _PlainLines(mininterval=0, miniters=every, ncols=0, **options)

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
        """Seconds since the job started."""
        return float(self._bar.format_dict["elapsed"])

    def advance(self, n: int = 1) -> None:
        """Count `n` more units done."""
        self.done += n
        self._bar.update(n)

    def close(self) -> None:
        """Print the final state once (idempotent)."""
        self._bar.close()
