"""Per-request SQL statement counting, for tests and the benchmark (off in production)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_METHODS = (
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

    def record(self, sql: str, params: Any = None) -> None:
        self.count += 1
        if self.keep_text:
            self.statements.append((sql, params))


_active: ContextVar[StatementCounter | None] = ContextVar("hmsdesk_statements", default=None)
# Set while a counted call runs, so a client method that calls another counts once.
_inside: ContextVar[bool] = ContextVar("hmsdesk_statements_inside", default=False)
_installed = False


@contextmanager
def counting(counter: StatementCounter) -> Iterator[StatementCounter]:
    """Make `counter` count every statement issued by this task and the tasks it starts."""
    token = _active.set(counter)
    try:
        yield counter
    finally:
        _active.reset(token)


def _wrap(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def counted(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        counter = _active.get()
        if counter is None or _inside.get():
            return await method(self, query, *args, **kwargs)
        counter.record(query, args[0] if args else None)
        token = _inside.set(True)
        try:
            return await method(self, query, *args, **kwargs)
        finally:
            _inside.reset(token)

    counted.__hmsdesk_counted__ = True  # type: ignore[attr-defined]
    return counted


def install() -> None:
    """Wrap the tortoise clients' execute methods once per process (cheap when not counting)."""
    global _installed
    if _installed:
        return
    classes: list[type] = []
    from tortoise.backends.sqlite import client as sqlite_client

    classes += [sqlite_client.SqliteClient, sqlite_client.SqliteTransactionWrapper]
    try:
        from tortoise.backends.asyncpg import client as asyncpg_client
    except ImportError:  # PostgreSQL extra not installed
        pass
    else:
        classes += [asyncpg_client.AsyncpgDBClient, asyncpg_client.TransactionWrapper]
    for cls in classes:
        for name in _METHODS:
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "__hmsdesk_counted__", False):
                setattr(cls, name, _wrap(method))
    _installed = True
