"""Bulk writing of generated rows: binary COPY on PostgreSQL, chunked executemany on SQLite.

Rows arrive as tuples in the order of the generator's columns; the writer checks those
columns against the tortoise model (so a renamed column fails loudly), fills columns the
seed does not know about from the model's defaults, and converts values the driver cannot
take as they are (JSON to text everywhere; dates and times to ISO text on SQLite, matching
what tortoise writes there).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import orjson
from tortoise import Tortoise, fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

from hmsdesk_graph.db import derived
from hmsdesk_graph.db.connection import APP_LABEL
from hmsdesk_graph.ops.progress import Progress
from hmsdesk_graph.seed.clock import reference
from hmsdesk_graph.seed.tables import Row, TableRows

Converter = Callable[[Any], Any]

SQLITE_CHUNK = 5_000
_PROGRESS_STEP = 5_000
# A table this long takes PostgreSQL's index builds of the tables before it in its shadow.
_OVERLAP_ROWS = 200_000


def hmsdesk_models() -> list[type[Model]]:
    return list(Tortoise.apps[APP_LABEL].values())


def model_for_table(table: str) -> type[Model]:
    for model in hmsdesk_models():
        if model._meta.db_table == table:
            return model
    raise ValueError(f"no hmsdesk model is stored in table {table!r}")


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _converter(field: fields.Field[Any], dialect: str) -> Converter | None:
    if isinstance(field, fields.JSONField):
        return _json_text
    if dialect == "sqlite" and isinstance(field, fields.DatetimeField):
        return lambda value: value.isoformat(" ")
    if dialect == "sqlite" and isinstance(field, fields.DateField):
        return lambda value: value.isoformat()
    return None


def _list_converter(dialect: str) -> Converter | None:
    return _json_text if dialect == "sqlite" else None


class TableShape:
    """The full column list of one table and how to turn a generated row into a driver row."""

    def __init__(self, table: str, columns: Sequence[str], dialect: str) -> None:
        model = model_for_table(table)
        meta = model._meta
        by_column = {
            column: meta.fields_map[name] for name, column in meta.fields_db_projection.items()
        }
        # The derived lists (db.derived) are columns without a model field: int[] / JSON text.
        lists = {c for c in derived.LISTS.get(table, ()) if c in columns}
        unknown = [c for c in columns if c not in by_column and c not in lists]
        if unknown:
            raise ValueError(f"{table} has no column(s) {', '.join(unknown)}")
        self.table = table
        self.given = len(columns)
        extra = [c for c in by_column if c not in columns]
        self.columns = [*columns, *extra]
        self.defaults = tuple(_default(table, c, by_column[c], dialect) for c in extra)
        self.converters = [
            (i, conv)
            for i, column in enumerate(columns)
            if (
                conv := (
                    _list_converter(dialect)
                    if column in lists
                    else _converter(by_column[column], dialect)
                )
            )
            is not None
        ]

    def convert(self, row: Row) -> Row:
        if len(row) != self.given:
            raise ValueError(f"{self.table}: a row has {len(row)} values for {self.given} columns")
        if not self.converters:
            return row + self.defaults if self.defaults else row
        values = list(row)
        for i, conv in self.converters:
            value = values[i]
            if value is not None:
                values[i] = conv(value)
        values.extend(self.defaults)
        return tuple(values)


def _default(table: str, column: str, field: fields.Field[Any], dialect: str) -> Any:
    """The value for a column the seed does not set (e.g. one added by a later migration)."""
    if isinstance(field, fields.DatetimeField) and (field.auto_now or field.auto_now_add):
        value: Any = reference()
    elif field.default is not None:
        value = field.default() if callable(field.default) else field.default
    elif field.null:
        return None
    else:
        raise ValueError(
            f"{table}.{column} is required and has no default: teach the seed about it"
        )
    if isinstance(value, Enum):
        value = value.value
    conv = _converter(field, dialect)
    return conv(value) if conv else value


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class BulkWriter:
    """Writes whole tables; subclasses own the backend-specific transport."""

    dialect = ""

    def __init__(self, progress: bool) -> None:
        self.progress = progress
        self.written: dict[str, int] = {}
        self.slow = False  # the table being written takes a while to generate

    async def write(self, data: TableRows) -> int:
        shape = TableShape(data.table, data.columns, self.dialect)
        self.slow = not data.cheap and data.total >= _OVERLAP_ROWS
        with Progress(data.table, data.total, enabled=self.progress) as bar:
            count = await self._write(shape, data.rows, bar)
        self.written[data.table] = self.written.get(data.table, 0) + count
        return count

    async def _write(self, shape: TableShape, rows: Iterable[Row], bar: Progress) -> int:
        raise NotImplementedError


@dataclass(frozen=True)
class DeferredIndexes:
    """What `PostgresWriter.defer_indexes` dropped, as the statements that build it again."""

    indexes: dict[str, list[str]]  # table -> CREATE INDEX statements
    foreign_keys: list[str]


_DONE = object()  # the producer thread's end-of-rows marker


class PostgresWriter(BulkWriter):
    """COPY into the tables on one connection; the caller owns the surrounding transaction.

    With `defer_indexes`, the secondary indexes of the tables loaded so far are built on the
    same connection while a thread generates the next long table (at least `_OVERLAP_ROWS`
    rows, not `cheap`): PostgreSQL sorts on one core while Python generates on the other, and
    that table's COPY starts once they are built. The foreign keys are added at the end
    (`restore`).
    """

    dialect = "postgres"

    def __init__(self, connection: Any, progress: bool) -> None:
        super().__init__(progress)
        self.connection = connection
        self.deferred: DeferredIndexes | None = None
        self.waiting: list[str] = []  # index builds of loaded tables, not started yet
        self.building: asyncio.Task[None] | None = None  # index builds under way

    async def _write(self, shape: TableShape, rows: Iterable[Row], bar: Progress) -> int:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        stop = False

        def produce() -> None:
            # Chunks of converted rows, handed to the event loop; stops when the COPY failed.
            try:
                for chunk in _chunks(rows, _PROGRESS_STEP):
                    if stop:
                        return
                    converted = [shape.convert(row) for row in chunk]
                    loop.call_soon_threadsafe(queue.put_nowait, converted)
            except BaseException as exc:
                loop.call_soon_threadsafe(queue.put_nowait, exc)
                raise
            loop.call_soon_threadsafe(queue.put_nowait, _DONE)

        count = 0

        async def records() -> AsyncIterator[Row]:
            nonlocal count
            while (item := await queue.get()) is not _DONE:
                if isinstance(item, BaseException):
                    raise item
                for row in item:
                    yield row
                count += len(item)
                bar.advance(len(item))

        if self.slow and self.waiting and self.building is None:
            # Build the loaded tables' indexes while this (long) table is generated.
            self.building = asyncio.ensure_future(self._execute(self.waiting))
            self.waiting = []
        producer = asyncio.ensure_future(asyncio.to_thread(produce))
        try:
            await self._built()  # the connection is free once the indexes are built
            await self.connection.copy_records_to_table(
                shape.table, records=records(), columns=shape.columns
            )
        except BaseException:
            stop = True
            await asyncio.gather(producer, return_exceptions=True)
            raise
        await producer
        if self.deferred is not None:
            self.waiting += self.deferred.indexes.pop(shape.table, [])
        return count

    async def _execute(self, statements: list[str]) -> None:
        for statement in statements:
            await self.connection.execute(statement)

    async def _built(self) -> None:
        building, self.building = self.building, None
        if building is not None:
            await building

    async def defer_indexes(self) -> DeferredIndexes:
        """Drop the foreign keys and secondary indexes of every hmsdesk table until `restore`.

        PostgreSQL checks a foreign key per copied row at the end of each COPY and maintains
        every index row by row; building them once over the loaded tables is several times
        faster (medium: the appointments' checks alone took about a minute). Primary keys,
        unique constraints and unique indexes a foreign key relies on stay. Everything runs in
        the caller's transaction, so a failed seed leaves the schema as it was.
        """
        tables = [model._meta.db_table for model in hmsdesk_models()]
        fks = await self.connection.fetch(
            "SELECT conrelid::regclass::text AS tab, conname, pg_get_constraintdef(oid) AS def"
            " FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY($1)"
            " ORDER BY 1, 2",
            tables,
        )
        indexes = await self.connection.fetch(
            "SELECT i.indrelid::regclass::text AS tab, i.indexrelid::regclass::text AS name,"
            " pg_get_indexdef(i.indexrelid) AS def FROM pg_index i"
            " WHERE i.indrelid::regclass::text = ANY($1) AND NOT i.indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
            " ORDER BY 1, 2",
            tables,
        )
        for fk in fks:
            await self.connection.execute(
                f'ALTER TABLE "{fk["tab"]}" DROP CONSTRAINT "{fk["conname"]}"'
            )
        by_table: dict[str, list[str]] = {}
        for index in indexes:
            await self.connection.execute(f"DROP INDEX {index['name']}")
            by_table.setdefault(str(index["tab"]), []).append(str(index["def"]))
        self.deferred = DeferredIndexes(
            indexes=by_table,
            foreign_keys=[
                f'ALTER TABLE "{fk["tab"]}" ADD CONSTRAINT "{fk["conname"]}" {fk["def"]}'
                for fk in fks
            ],
        )
        return self.deferred

    async def restore(self, deferred: DeferredIndexes) -> None:
        """Build what is left of the dropped indexes, then add (and check) the foreign keys."""
        await self._built()
        left = [*self.waiting, *(s for statements in deferred.indexes.values() for s in statements)]
        self.waiting = []
        deferred.indexes.clear()
        statements = [*left, *deferred.foreign_keys]
        total = len(statements)
        with Progress("indexes, foreign keys", total, enabled=self.progress, unit="") as bar:
            for statement in statements:
                await self.connection.execute(statement)
                bar.advance(1)
        self.deferred = None

    async def reset_sequences(self) -> None:
        """Ids were assigned by the seed: move each sequence past them for later inserts."""
        for table in self.written:
            if model_for_table(table)._meta.db_pk_column != "id":
                continue  # keyed by another table's id (practitioner_facet_member)
            await self.connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f' GREATEST(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table}"'
            )


class SqliteWriter(BulkWriter):
    """executemany in chunks, one transaction per table."""

    dialect = "sqlite"

    def __init__(self, connection_name: str, progress: bool) -> None:
        super().__init__(progress)
        self.connection_name = connection_name

    async def _write(self, shape: TableShape, rows: Iterable[Row], bar: Progress) -> int:
        names = ", ".join(f'"{c}"' for c in shape.columns)
        marks = ", ".join("?" for _ in shape.columns)
        sql = f'INSERT INTO "{shape.table}" ({names}) VALUES ({marks})'
        count = 0
        async with in_transaction(self.connection_name) as tx:
            pending: asyncio.Task[None] | None = None
            pending_size = 0
            try:
                for chunk in _chunks(rows, SQLITE_CHUNK):
                    converted = [shape.convert(row) for row in chunk]
                    if pending is not None:
                        await pending
                        bar.advance(pending_size)
                    # Hand the chunk to aiosqlite's thread and let it start before generating
                    # the next chunk, so SQLite's work overlaps with Python's.
                    pending = asyncio.ensure_future(_execute_many(tx, sql, converted))
                    pending_size = len(converted)
                    count += pending_size
                    await asyncio.sleep(0)
                    await asyncio.sleep(0)
                if pending is not None:
                    await pending
                    bar.advance(pending_size)
            except BaseException:
                if pending is not None and not pending.done():
                    # Let the in-flight chunk finish before the transaction rolls back.
                    await asyncio.gather(pending, return_exceptions=True)
                raise
        return count


async def _execute_many(client: BaseDBAsyncClient, sql: str, rows: list[Row]) -> None:
    await client.execute_many(sql, rows)  # type: ignore[arg-type]
