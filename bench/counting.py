"""A process-wide SQL statement counter for the server under test, readable from the benchmark.

``extensions.sqlStatements`` counts a request's own statements only: writes done in the
background (the listing-event flush, the review publisher) are missed. This counter wraps the
same tortoise client methods as ``hmsdesk_graph.db.statements`` and counts every statement the
process sends, whoever sends it. Each server process (every uvicorn worker) keeps its count in a
small memory-mapped file of its own under a directory the benchmark names; the benchmark sums
the files before and after its measuring window. Nothing here touches the project's code: the
benchmark starts the server through ``bench.serve``, which installs this before the app loads.
"""

from __future__ import annotations

import functools
import mmap
import os
import struct
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import orjson

# The environment variable naming the counters' directory (set by the benchmark only).
COUNTER_DIR_ENV = "BENCH_STATEMENT_COUNTER_DIR"
_FORMAT = struct.Struct("<Q")
_MARK = "__bench_counted__"
# Set while a counted call runs: a client method that calls another one counts once.
_inside: ContextVar[bool] = ContextVar("bench_statements_inside", default=False)


# Each process's impressions written (rows of IMPRESSION / SPONSORED_IMPRESSION in its
# listing_event INSERTs that succeeded), beside its statement count: compared with the edges
# the benchmark was served, so an event buffer that drops or loses impressions shows.
IMPRESSIONS_SUFFIX = ".impressions"
_IMPRESSION_KINDS = frozenset({"IMPRESSION", "SPONSORED_IMPRESSION"})


class FileCounter:
    """One process's count (statements, or impressions), kept in an 8-byte memory-mapped file."""

    def __init__(self, directory: Path, pid: int | None = None, suffix: str = ".count") -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{pid or os.getpid()}{suffix}"
        with self.path.open("wb") as f:
            f.write(_FORMAT.pack(0))
        self._file = self.path.open("r+b")
        self._map = mmap.mmap(self._file.fileno(), _FORMAT.size)
        self.value = 0

    def add(self, n: int = 1) -> None:
        """Count n statements (one integer add and one 8-byte store)."""
        self.value += n
        _FORMAT.pack_into(self._map, 0, self.value)


def read_total(directory: Path, suffix: str = ".count") -> int:
    """The statements (or with IMPRESSIONS_SUFFIX, impressions) counted so far by every
    process that wrote a file in the directory."""
    total = 0
    for path in directory.glob(f"*{suffix}"):
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        if len(raw) >= _FORMAT.size:
            total += _FORMAT.unpack_from(raw)[0]
    return total


def impressions_in(sql: Any, params: Any) -> int:
    """Impressions one statement writes: rows of a listing_event INSERT whose kind is an
    impression. The project sends a batch as column arrays (PostgreSQL: the kinds are the
    first array) or as one JSON array of rows (SQLite: the kind is each row's first item)."""
    if not isinstance(sql, str) or "INTO listing_event" not in sql or not params:
        return 0
    first = params[0]
    if isinstance(first, str):
        rows = orjson.loads(first)
        return sum(1 for row in rows if row and row[0] in _IMPRESSION_KINDS)
    if isinstance(first, (list, tuple)):
        return sum(1 for kind in first if kind in _IMPRESSION_KINDS)
    return 0


def _wrap(
    method: Callable[..., Awaitable[Any]], counter: FileCounter, impressions: FileCounter
) -> Callable[..., Any]:
    @functools.wraps(method)
    async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _inside.get():
            return await method(self, *args, **kwargs)
        counter.add()
        token = _inside.set(True)
        try:
            result = await method(self, *args, **kwargs)
        finally:
            _inside.reset(token)
        written = impressions_in(args[0] if args else None, args[1] if len(args) > 1 else None)
        if written:
            impressions.add(written)
        return result

    setattr(counted, _MARK, True)
    return counted


def install_from_environment() -> FileCounter | None:
    """Count this process's statements when the benchmark asked for it (else do nothing)."""
    directory = os.environ.get(COUNTER_DIR_ENV)
    if not directory:
        return None
    # The clients and methods the project's own counter wraps (imported here, not at the top:
    # this module loads before the app, and reading those lists changes nothing in the project).
    from hmsdesk_graph.db.statements import CLIENT_METHODS, client_classes

    counter = FileCounter(Path(directory))
    impressions = FileCounter(Path(directory), suffix=IMPRESSIONS_SUFFIX)
    for cls in client_classes():
        for name in CLIENT_METHODS:
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, _MARK, False):
                setattr(cls, name, _wrap(method, counter, impressions))
    return counter
