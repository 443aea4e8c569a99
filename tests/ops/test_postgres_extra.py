"""PostgreSQL without the `postgres` extra: one clear line and a non-zero exit, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Runs the CLI with asyncpg made unimportable, as after `pip install -e .` without the extra.
WITHOUT_ASYNCPG = (
    "import sys; sys.modules['asyncpg'] = None; "
    "from hmsdesk_graph.cli import run; sys.exit(run(sys.argv[1:]))"
)


@pytest.mark.parametrize(
    "command", [["migrate"], ["seed"], ["serve"], ["query", "-e", "{ cities { slug } }"]]
)
def test_postgres_without_asyncpg_is_one_line(command: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HMSDESK_")}
    env["HMSDESK_DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/hmsdesk_no_driver"
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_ASYNCPG, *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "asyncpg" in lines[0] and "hmsdesk-graph[postgres]" in lines[0]
