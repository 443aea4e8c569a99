"""The models match the migrations: tortoise's autodetector would write no new migration.

Column mixins (db/models/providers.py) move where a field is written, never what it is; this
catches a mixin that changes a column. It runs in its own process: tortoise keeps one global
configuration per process.
"""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
from tortoise import Tortoise, run_async
from tortoise.migrations.autodetector import MigrationAutodetector
from hmsdesk_graph.config import load_settings
from hmsdesk_graph.db.connection import tortoise_config

async def main():
    config = tortoise_config(load_settings(), "sqlite://:memory:")
    await Tortoise.init(config=config)
    try:
        changes = await MigrationAutodetector(Tortoise.apps, config["apps"]).changes()
        print([type(op).__name__ for writer in changes for op in writer.operations])
    finally:
        await Tortoise.close_connections()

run_async(main())
"""


def test_models_need_no_new_migration() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
