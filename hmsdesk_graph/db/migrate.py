"""Applying the committed tortoise migrations: create or upgrade a database in place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate as tortoise_migrate

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.connection import APP_LABEL, tortoise_config

Progress = Callable[[str], None]


async def migrate_database(
    settings: Settings,
    url: str | None = None,
    target: str | None = None,
    progress: Progress | None = None,
) -> None:
    """Apply migrations up to `target` (a migration name; default the latest). Forward only."""
    report = progress or (lambda _line: None)

    def on_event(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            report(f"applied {app_label}.{name}")

    # Schema changes on a large table take longer than any request may: no statement timeout.
    unbounded = replace(settings, statement_timeout_ms=0)
    try:
        await tortoise_migrate(
            config=tortoise_config(unbounded, url),
            target=f"{APP_LABEL}.{target}" if target else None,
            direction="forward",
            progress=on_event,
        )
    finally:
        await Tortoise.close_connections()
