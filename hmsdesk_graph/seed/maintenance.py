"""Whole-database chores around seeding: is it empty, and wiping it."""

from __future__ import annotations

from tortoise import connections
from tortoise.models import Model
from tortoise.transactions import in_transaction

from hmsdesk_graph.db.connection import is_postgres
from hmsdesk_graph.seed.writer import hmsdesk_models

CONNECTION = "default"
# A database holding any of these already has a catalogue; the seed refuses to mix with it.
_CORE_TABLES = ("practitioner", "hospital", "city")


def tables_children_first() -> list[str]:
    """Every hmsdesk table, each before the tables its foreign keys point to."""
    models = hmsdesk_models()
    parents: dict[str, set[str]] = {}
    for model in models:
        meta = model._meta
        refs: set[str] = set()
        for name in meta.fk_fields | meta.o2o_fields:
            related: type[Model] = meta.fields_map[name].related_model  # type: ignore[attr-defined]
            if related._meta.db_table != meta.db_table:
                refs.add(related._meta.db_table)
        parents[meta.db_table] = refs
    ordered: list[str] = []
    placed: set[str] = set()
    remaining = sorted(parents)
    while remaining:
        # A table goes next when no unplaced table still points at it.
        ready = [t for t in remaining if not any(t in parents[o] for o in remaining if o != t)]
        if not ready:  # a cycle: fall back to name order for what is left
            ready = remaining[:1]
        for table in ready:
            ordered.append(table)
            placed.add(table)
        remaining = [t for t in remaining if t not in placed]
    return ordered


async def database_is_empty() -> bool:
    """True when no practitioner, hospital or city row exists."""
    client = connections.get(CONNECTION)
    for table in _CORE_TABLES:
        _, rows = await client.execute_query(f'SELECT 1 FROM "{table}" LIMIT 1')
        if rows:
            return False
    return True


async def reset_database() -> None:
    """Delete every row of every hmsdesk table in one transaction and restart the ids."""
    tables = tables_children_first()
    client = connections.get(CONNECTION)
    if is_postgres(client):
        async with in_transaction(CONNECTION) as tx:
            names = ", ".join(f'"{t}"' for t in tables)
            await tx.execute_query(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        return
    # SQLite empties a table without visiting its rows only when no foreign key points at it
    # (100 s -> a few s at medium scale). Emptying every table leaves no dangling reference,
    # and the pragma can only change outside a transaction, so it brackets the transaction.
    await client.execute_query("PRAGMA foreign_keys = OFF")
    try:
        async with in_transaction(CONNECTION) as tx:
            for table in tables:
                await tx.execute_query(f'DELETE FROM "{table}"')
            _, found = await tx.execute_query(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
            )
            if found:
                marks = ", ".join("?" for _ in tables)
                await tx.execute_query(
                    f"DELETE FROM sqlite_sequence WHERE name IN ({marks})", tables
                )
    finally:
        await client.execute_query("PRAGMA foreign_keys = ON")
