"""Per-request SQL statement counting (one integer increment; on in production for metrics).

The texts are kept only when asked (tests); an optional tracing span per statement is opened
only while tracing is on.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from hmsdesk_graph.ops import tracing

# The tortoise client methods that send statements (the benchmark's counter wraps them too).
CLIENT_METHODS = (
    "execute_insert",
    "execute_many",
    "execute_query",
    "execute_query_dict",
    "execute_script",
)


@dataclass
class StatementCounter:
    """Counts the statements sent to the database while it is the active counter."""

    count: int = 0
    statements: list[tuple[str, Any]] = field(default_factory=list)
    keep_text: bool = False
    # The counter that was active when this one started (the request's, for metrics).
    parent: StatementCounter | None = None

    def record(self, sql: str, params: Any = None) -> None:
        self.count += 1
        if self.keep_text:
            self.statements.append((sql, params))
        if self.parent is not None:
            self.parent.record(sql, params)


_active: ContextVar[StatementCounter | None] = ContextVar("hmsdesk_statements", default=None)
# Set while a counted call runs, so a client method that calls another counts once.
_inside: ContextVar[bool] = ContextVar("hmsdesk_statements_inside", default=False)
_installed = False


@contextmanager
def counting(counter: StatementCounter) -> Iterator[StatementCounter]:
    """Make `counter` count every statement issued by this task and the tasks it starts.

    A counter already active (the request's) keeps counting too.
    """
    outer = _active.get()
    if outer is not None and outer is not counter and counter.parent is None:
        counter.parent = outer
    token = _active.set(counter)
    try:
        yield counter
    finally:
        _active.reset(token)


def _wrap(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def counted(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        counter = _active.get()
        if (counter is None and not tracing.enabled()) or _inside.get():
            return await method(self, query, *args, **kwargs)
        if counter is not None:
            counter.record(query, args[0] if args else None)
        token = _inside.set(True)
        try:
            with tracing.sql_span(query):
                return await method(self, query, *args, **kwargs)
        finally:
            _inside.reset(token)

    counted.__hmsdesk_counted__ = True  # type: ignore[attr-defined]
    return counted


def client_classes() -> list[type]:
    """The tortoise client classes that send statements (asyncpg's when it is installed)."""
    from tortoise.backends.sqlite import client as sqlite_client

    classes: list[type] = [sqlite_client.SqliteClient, sqlite_client.SqliteTransactionWrapper]
    try:
        from tortoise.backends.asyncpg import client as asyncpg_client
    except ImportError:  # PostgreSQL extra not installed
        return classes
    return [*classes, asyncpg_client.AsyncpgDBClient, asyncpg_client.TransactionWrapper]


def install() -> None:
    """Wrap the tortoise clients' execute methods once per process (cheap when not counting)."""
    global _installed
    if _installed:
        return
    for cls in client_classes():
        for name in CLIENT_METHODS:
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "__hmsdesk_counted__", False):
                setattr(cls, name, _wrap(method))
    _installed = True
